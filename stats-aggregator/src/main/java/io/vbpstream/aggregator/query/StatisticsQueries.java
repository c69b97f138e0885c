package io.vbpstream.aggregator.query;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vbpstream.aggregator.AggregatorConfig;
import io.vbpstream.aggregator.streams.MomentsMergeProcessor;
import io.vbpstream.aggregator.streams.BlockSummary;
import io.vbpstream.aggregator.streams.CoMomentsMergeProcessor;
import io.vbpstream.aggregator.streams.RunningMoments;
import io.vbpstream.aggregator.streams.RunningTile;
import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.TileGrid;
import io.vbpstream.platform.CoMomentsKey;
import io.vbpstream.platform.MomentsKey;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.NotFoundException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Interactive queries over the {@code running-moments} stores of all instances. A key is answered by the instance
 * whose store actively holds it (Kafka Streams metadata + {@code application.server}); any other instance forwards the
 * query there once. While a store migrates, or its owner cannot be reached, the answer is a
 * {@link StoreUnavailableException}: never a wait, never a partial answer.
 */
@ApplicationScoped
public class StatisticsQueries {

    public static final String SERVED_BY = "X-Vbp-Served-By";

    @Inject
    KafkaStreams streams;

    @Inject
    AggregatorConfig config;

    @Inject
    ObjectMapper mapper;

    @ConfigProperty(name = "quarkus.kafka-streams.application-server")
    String self;

    private final HttpClient http = HttpClient.newHttpClient();

    public String self() {
        return self;
    }

    /** One block's statistics, from whichever instance owns it. */
    public BlockStatistics block(String model, String version, String block, boolean summary, boolean forwarded) {
        MomentsKey key = new MomentsKey(model, version, block);
        requireRunning();
        KeyQueryMetadata md = streams.queryMetadataForKey(MomentsMergeProcessor.STORE, key.toString(), Serdes.String().serializer());
        if (md == null || md.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            throw new StoreUnavailableException("no owner known for " + key + " yet (the group is rebalancing)");
        }
        if (isSelf(md.activeHost())) {
            RunningMoments r = localStore().get(key.toString());
            if (r == null) {
                throw new NotFoundException("no statistics for " + key);
            }
            return BlockStatistics.of(model, version, block, r, summary, self);
        }
        if (forwarded) {
            throw new StoreUnavailableException(key + " moved to " + hostPort(md.activeHost()) + " while the query was forwarded");
        }
        String path = "/statistics/models/" + model + "/versions/" + version + "/blocks/" + block
                + "?forwarded=true&summary=" + summary;
        return get(md.activeHost(), path, BlockStatistics.class);
    }

    /** What one block's co-moment tiles hold, from whichever instance owns the block. */
    public CoMomentsSummary coMoments(String model, String version, String block, boolean forwarded) {
        MomentsKey key = new MomentsKey(model, version, block);
        HostInfo owner = coMomentsOwner(key);
        if (isSelf(owner)) {
            ReadOnlyKeyValueStore<String, byte[]> summaries = local(CoMomentsMergeProcessor.SUMMARY_STORE);
            byte[] raw = summaries.get(key.toString());
            if (raw == null) {
                throw new NotFoundException("no co-moments for " + key);
            }
            BlockSummary b = BlockSummary.decode(raw);
            if (!b.consistent()) {
                return scanTiles(model, version, block, key, b); // only a store from before deltas were merged whole
            }
            // a delta's tiles are merged together, so every tile of the block covers the summary's samples
            List<CoMomentsSummary.Tile> tiles = new ArrayList<>();
            int n = new TileGrid(b.width(), b.tileSize()).side();
            for (int r = 0; r < n; r++) {
                for (int c = r; c < n; c++) {
                    tiles.add(new CoMomentsSummary.Tile(r, c, b.count(), b.deltas()));
                }
            }
            return new CoMomentsSummary(model, version, block, b.width(), b.tileSize(), b.expectedTiles(), b.count(),
                    true, tiles, self);
        }
        if (forwarded) {
            throw new StoreUnavailableException(key + " moved to " + hostPort(owner) + " while the query was forwarded");
        }
        return get(owner, "/statistics/models/" + model + "/versions/" + version + "/blocks/" + block
                + "/comoments?forwarded=true", CoMomentsSummary.class);
    }

    /** The summary of a block whose tiles disagree, read tile by tile (each tile decoded). */
    private CoMomentsSummary scanTiles(String model, String version, String block, MomentsKey key, BlockSummary b) {
        List<CoMomentsSummary.Tile> tiles = new ArrayList<>();
        try (KeyValueIterator<String, RunningTile> it = localTiles().prefixScan(key + "/", Serdes.String().serializer())) {
            it.forEachRemaining(kv -> {
                CoMomentsKey k = CoMomentsKey.parse(kv.key);
                tiles.add(new CoMomentsSummary.Tile(k.row(), k.column(), kv.value.tile().count(), kv.value.deltas()));
            });
        }
        tiles.sort(Comparator.comparingInt(CoMomentsSummary.Tile::row).thenComparingInt(CoMomentsSummary.Tile::column));
        return new CoMomentsSummary(model, version, block, b.width(), b.tileSize(), b.expectedTiles(), -1, false, tiles, self);
    }

    /** One co-moment tile as a {@code CoMomentsCodec} record, from whichever instance owns the block. */
    public byte[] tile(String model, String version, String block, int row, int column, boolean forwarded) {
        MomentsKey block3 = new MomentsKey(model, version, block);
        CoMomentsKey key = new CoMomentsKey(block3, row, column);
        HostInfo owner = coMomentsOwner(block3);
        if (isSelf(owner)) {
            RunningTile t = localTiles().get(key.toString());
            if (t == null) {
                throw new NotFoundException("no co-moment tile " + key);
            }
            return CoMomentsCodec.encode(t.tile());
        }
        if (forwarded) {
            throw new StoreUnavailableException(key + " moved to " + hostPort(owner) + " while the query was forwarded");
        }
        String path = "/statistics/models/" + model + "/versions/" + version + "/blocks/" + block + "/comoments/tiles/"
                + row + "/" + column + "?forwarded=true";
        HttpResponse<byte[]> r = send(owner, path, "application/octet-stream", HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() == 404) {
            throw new NotFoundException(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
        if (r.statusCode() != 200) {
            throw new StoreUnavailableException("the owner " + hostPort(owner) + " answered " + r.statusCode());
        }
        return r.body();
    }

    /**
     * The instance whose co-moments store holds a block: the collectors send every tile of a block to the partition
     * of the block's own key, which is where Kafka Streams' default partitioning puts that key.
     */
    private HostInfo coMomentsOwner(MomentsKey block) {
        requireRunning();
        KeyQueryMetadata md = streams.queryMetadataForKey(CoMomentsMergeProcessor.STORE, block.toString(),
                Serdes.String().serializer());
        if (md == null || md.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            throw new StoreUnavailableException("no owner known for " + block + " yet (the group is rebalancing)");
        }
        return md.activeHost();
    }

    private ReadOnlyKeyValueStore<String, RunningTile> localTiles() {
        return local(CoMomentsMergeProcessor.STORE);
    }

    /** The listing asks every instance: at most once a second, however often it is requested. */
    private final io.vbpstream.platform.CachedAnswer<ModelsListing> listing =
            new io.vbpstream.platform.CachedAnswer<>(java.time.Duration.ofSeconds(1));

    /** Every key of every instance, grouped by model and version (computed at most once a second). */
    public ModelsListing models() {
        return listing.get(this::listAll);
    }

    private ModelsListing listAll() {
        requireRunning();
        List<ModelsListing.Entry> entries = new ArrayList<>();
        for (StreamsMetadata m : streams.metadataForAllStreamsClients()) {
            if (!m.stateStoreNames().contains(MomentsMergeProcessor.STORE)) {
                continue;
            }
            if (isSelf(m.hostInfo())) {
                entries.addAll(localEntries());
            } else {
                entries.addAll(get(m.hostInfo(), "/statistics/local/entries", new TypeReference<List<ModelsListing.Entry>>() {
                }));
            }
        }
        return group(entries);
    }

    /** The keys this instance's store actively holds. */
    public List<ModelsListing.Entry> localEntries() {
        List<ModelsListing.Entry> out = new ArrayList<>();
        try (KeyValueIterator<String, RunningMoments> it = localStore().all()) {
            it.forEachRemaining(kv -> {
                MomentsKey k = MomentsKey.parse(kv.key);
                out.add(new ModelsListing.Entry(k.model(), k.version(), k.block(), kv.value.moments().width(),
                        kv.value.moments().count(), kv.value.deltas()));
            });
        }
        return out;
    }

    /** {entries, bytes} of this instance's store, for the metrics; zeros while it is not queryable. */
    public long[] localStoreSize() {
        try (KeyValueIterator<String, RunningMoments> it = localStore().all()) {
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

    private ReadOnlyKeyValueStore<String, RunningMoments> localStore() {
        return local(MomentsMergeProcessor.STORE);
    }

    private <V> ReadOnlyKeyValueStore<String, V> local(String store) {
        try {
            return streams.store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.keyValueStore()));
        } catch (InvalidStateStoreException e) {
            throw new StoreUnavailableException("the store is migrating or restoring: " + e.getMessage(), e);
        }
    }

    private void requireRunning() {
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING) {
            throw new StoreUnavailableException("Kafka Streams is " + state + " (stores migrating or restoring)");
        }
    }

    private boolean isSelf(HostInfo host) {
        return hostPort(host).equals(self);
    }

    private static String hostPort(HostInfo h) {
        return h.host() + ":" + h.port();
    }

    private <B> HttpResponse<B> send(HostInfo host, String path, String accept, HttpResponse.BodyHandler<B> body) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://" + hostPort(host) + path))
                    .timeout(config.forwardTimeout()).header("Accept", accept).build(), body);
        } catch (IOException e) {
            throw new StoreUnavailableException("the owner " + hostPort(host) + " cannot be reached: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while asking " + hostPort(host));
        }
    }

    private <T> T get(HostInfo host, String path, Object type) {
        HttpResponse<String> r = send(host, path, "application/json", HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404) {
            throw new NotFoundException(r.body());
        }
        if (r.statusCode() != 200) {
            throw new StoreUnavailableException("the owner " + hostPort(host) + " answered " + r.statusCode() + ": " + r.body());
        }
        try {
            return type instanceof TypeReference<?> ref
                    ? mapper.readValue(r.body(), mapper.getTypeFactory().constructType(ref))
                    : mapper.readValue(r.body(), (Class<T>) type);
        } catch (IOException e) {
            throw new StoreUnavailableException("unreadable answer from " + hostPort(host) + ": " + e.getMessage(), e);
        }
    }

    private static ModelsListing group(List<ModelsListing.Entry> entries) {
        Map<String, Map<String, List<ModelsListing.Block>>> tree = new TreeMap<>();
        entries.stream().sorted(Comparator.comparing(ModelsListing.Entry::block)).forEach(e -> tree
                .computeIfAbsent(e.model(), k -> new TreeMap<>())
                .computeIfAbsent(e.version(), k -> new ArrayList<>())
                .add(new ModelsListing.Block(e.block(), e.width(), e.count(), e.deltas())));
        List<ModelsListing.Model> models = new ArrayList<>();
        tree.forEach((model, versions) -> {
            List<ModelsListing.Version> vs = new ArrayList<>();
            versions.forEach((v, blocks) -> vs.add(new ModelsListing.Version(v, blocks)));
            models.add(new ModelsListing.Model(model, vs));
        });
        return new ModelsListing(models);
    }
}
