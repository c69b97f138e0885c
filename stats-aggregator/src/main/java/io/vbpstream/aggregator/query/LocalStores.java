package io.vbpstream.aggregator.query;

import io.vbpstream.aggregator.streams.CoMomentsMergeProcessor;
import io.vbpstream.aggregator.streams.MomentsMergeProcessor;
import io.vbpstream.aggregator.streams.RunningMoments;
import io.vbpstream.aggregator.streams.RunningTile;
import io.vbpstream.platform.MomentsKey;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.ArrayList;
import java.util.List;

/**
 * This instance's side of the interactive queries: who owns a key (Kafka Streams' metadata), whether that is this
 * instance ({@code application.server}), and this instance's stores, read only while Kafka Streams is running. A
 * store that is migrating or restoring is a {@link StoreUnavailableException}.
 */
@ApplicationScoped
public class LocalStores {

    @Inject
    KafkaStreams streams;

    @ConfigProperty(name = "quarkus.kafka-streams.application-server")
    String self;

    /** This instance's {@code host:port}. */
    public String self() {
        return self;
    }

    boolean isSelf(HostInfo host) {
        return OwnerClient.hostPort(host).equals(self);
    }

    /** The instance whose {@code store} actively holds {@code key}. */
    HostInfo owner(String store, MomentsKey key) {
        requireRunning();
        KeyQueryMetadata md = streams.queryMetadataForKey(store, key.toString(), Serdes.String().serializer());
        if (md == null || md.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            throw new StoreUnavailableException("no owner known for " + key + " yet (the group is rebalancing)");
        }
        return md.activeHost();
    }

    KafkaStreams streams() {
        return streams;
    }

    ReadOnlyKeyValueStore<String, RunningMoments> moments() {
        return local(MomentsMergeProcessor.STORE);
    }

    ReadOnlyKeyValueStore<String, RunningTile> tiles() {
        return local(CoMomentsMergeProcessor.STORE);
    }

    ReadOnlyKeyValueStore<String, byte[]> summaries() {
        return local(CoMomentsMergeProcessor.SUMMARY_STORE);
    }

    /** The keys this instance's moments store actively holds. */
    public List<ModelsListing.Entry> entries() {
        List<ModelsListing.Entry> out = new ArrayList<>();
        try (KeyValueIterator<String, RunningMoments> it = moments().all()) {
            it.forEachRemaining(kv -> {
                MomentsKey k = MomentsKey.parse(kv.key);
                out.add(new ModelsListing.Entry(k.model(), k.version(), k.block(), kv.value.moments().width(),
                        kv.value.moments().count(), kv.value.deltas()));
            });
        }
        return out;
    }

    /** {entries, bytes} of this instance's moments store, for the metrics; zeros while it is not queryable. */
    public long[] momentsStoreSize() {
        try (KeyValueIterator<String, RunningMoments> it = moments().all()) {
            long n = 0;
            long bytes = 0;
            while (it.hasNext()) {
                RunningMoments r = it.next().value;
                n++;
                bytes += RunningMoments.encodedSize(r.moments().width());
            }
            return new long[]{n, bytes};
        } catch (StoreUnavailableException e) {
            return new long[]{0, 0};
        }
    }

    private <V> ReadOnlyKeyValueStore<String, V> local(String store) {
        try {
            return streams.store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.keyValueStore()));
        } catch (InvalidStateStoreException e) {
            throw new StoreUnavailableException("the store is migrating or restoring: " + e.getMessage(), e);
        }
    }

    void requireRunning() {
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING) {
            throw new StoreUnavailableException("Kafka Streams is " + state + " (stores migrating or restoring)");
        }
    }
}
