package io.vbpstream.aggregator.streams;

import io.vbpstream.aggregator.AggregatorConfig;
import io.vbpstream.aggregator.observe.AggregatorMetrics;
import io.vbpstream.platform.Topic;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

import java.time.Duration;

/**
 * {@code activation-moments} -> validate and merge into {@code running-moments} (RocksDB, changelogged) -> running
 * totals to {@code layer-statistics}, rejected deltas to {@code activation-moments.dlq}; and the same for co-moment
 * tiles: {@code activation-comoments} -> {@code staged-comoments} until a block's delta is whole -> {@code
 * running-comoments} -> {@code layer-comoments}, rejected tiles (and their deltas' other tiles) to
 * {@code activation-comoments.dlq}. The two are separate sub-topologies (no shared state); both read the global store
 * of {@code model-versions} records to retire superseded versions' keys ({@link RetiredVersions}).
 */
@ApplicationScoped
public class AggregatorTopology {

    public static final String SOURCE = "activation-moments-source";
    public static final String MERGE = "merge";
    public static final String COMOMENTS_SOURCE = "activation-comoments-source";
    public static final String MERGE_COMOMENTS = "merge-comoments";

    public static final String VERSIONS_SOURCE = "model-versions-source";
    public static final String VERSIONS_STORE_UPDATER = "model-versions-store-updater";

    /** When superseded versions' state goes ({@code vbp.aggregator.retention.*}). */
    public record Retention(Duration grace, Duration checkInterval) {
        public static final Retention DEFAULT = new Retention(Duration.ofMinutes(10), Duration.ofSeconds(30));
    }

    @Produces
    public Topology topology(AggregatorConfig config, AggregatorMetrics metrics) {
        return build(config.emitInterval(), config.comomentsEmitBytes(),
                new Retention(config.retention().grace(), config.retention().checkInterval()), metrics);
    }

    public static Topology build(Duration emitInterval, MergeListener listener) {
        return build(emitInterval, Retention.DEFAULT, listener);
    }

    public static Topology build(Duration emitInterval, Retention retention, MergeListener listener) {
        return build(emitInterval, CoMomentsMergeProcessor.DEFAULT_MAX_EMIT_BYTES, retention, listener);
    }

    /** With {@code comomentsEmitBytes}: the co-moment tiles one punctuation emits, in whole blocks (at least one). */
    public static Topology build(Duration emitInterval, long comomentsEmitBytes, Retention retention, MergeListener listener) {
        Topology t = new Topology();
        addVersions(t);
        addMoments(t, emitInterval, retention, listener);
        addCoMoments(t, emitInterval, comomentsEmitBytes, retention, listener);
        return t;
    }

    /** The moments half alone (with the versions store both halves read): for tests of that half. */
    public static Topology moments(Duration emitInterval, Retention retention, MergeListener listener) {
        Topology t = new Topology();
        addVersions(t);
        addMoments(t, emitInterval, retention, listener);
        return t;
    }

    /** The co-moments half alone (with the versions store both halves read): for tests of that half. */
    public static Topology coMoments(Duration emitInterval, long comomentsEmitBytes, Retention retention,
                                     MergeListener listener) {
        Topology t = new Topology();
        addVersions(t);
        addCoMoments(t, emitInterval, comomentsEmitBytes, retention, listener);
        return t;
    }

    /** Every model-versions record, for the retention of superseded versions (a global store: each task sees all). */
    private static void addVersions(Topology t) {
        t.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(RetiredVersions.STORE),
                        Serdes.String(), Serdes.ByteArray()).withLoggingDisabled(), VERSIONS_SOURCE,
                Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), Topic.MODEL_VERSIONS.topicName(),
                VERSIONS_STORE_UPDATER, VersionsStoreUpdater::new);
    }

    private static void addMoments(Topology t, Duration emitInterval, Retention retention, MergeListener listener) {
        t.addSource(SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                Topic.ACTIVATION_MOMENTS.topicName());
        t.addProcessor(MERGE, () -> new MomentsMergeProcessor(emitInterval, retention, listener), SOURCE);
        // the record cache absorbs the many updates a hot key gets between commits: RocksDB and the changelog see
        // one write per key per commit instead of one per delta (a width-3072 value is 49 KB)
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MomentsMergeProcessor.STORE),
                Serdes.String(), RunningMoments.serde()).withCachingEnabled(), MERGE);
        addSink(t, MomentsMergeProcessor.STATISTICS_SINK, Topic.LAYER_STATISTICS, MERGE);
        addSink(t, MomentsMergeProcessor.DLQ_SINK, Topic.ACTIVATION_MOMENTS_DLQ, MERGE);
    }

    private static void addCoMoments(Topology t, Duration emitInterval, long comomentsEmitBytes, Retention retention,
                                     MergeListener listener) {
        t.addSource(COMOMENTS_SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                Topic.ACTIVATION_COMOMENTS.topicName());
        t.addProcessor(MERGE_COMOMENTS, () -> new CoMomentsMergeProcessor(emitInterval, comomentsEmitBytes, retention,
                listener), COMOMENTS_SOURCE);
        // the changelogs of the tiles hold what layer-comoments holds: its segments, so that compaction reclaims a
        // version's first publication and a retired version's tiles within a chain
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CoMomentsMergeProcessor.STORE),
                Serdes.String(), RunningTile.serde()).withCachingEnabled()
                .withLoggingEnabled(Topic.LAYER_COMOMENTS.segmentSettings()), MERGE_COMOMENTS);
        // a block's delta is staged until all its tiles are in; cached, so a delta that completes between two commits
        // costs the changelog only the tombstones of its staged tiles
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CoMomentsMergeProcessor.STAGING_STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingEnabled()
                .withLoggingEnabled(Topic.LAYER_COMOMENTS.segmentSettings()), MERGE_COMOMENTS);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CoMomentsMergeProcessor.SUMMARY_STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingEnabled(), MERGE_COMOMENTS);
        addSink(t, CoMomentsMergeProcessor.SINK, Topic.LAYER_COMOMENTS, MERGE_COMOMENTS);
        addSink(t, CoMomentsMergeProcessor.DLQ_SINK, Topic.ACTIVATION_COMOMENTS_DLQ, MERGE_COMOMENTS);
    }

    private static void addSink(Topology t, String name, Topic topic, String parent) {
        t.addSink(name, topic.topicName(), Serdes.String().serializer(), Serdes.ByteArray().serializer(), parent);
    }
}
