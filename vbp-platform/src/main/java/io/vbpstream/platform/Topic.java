package io.vbpstream.platform;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one definition of vbp-stream's Kafka topics: name, partitions, cleanup policy, retention and maximum message
 * size. The local runner, the integration tests and the Kubernetes {@code KafkaTopic} resources are all made from it.
 */
public enum Topic {
    /** Encoded images (PNG/JPEG) with {@code content-type} and optional {@code label} headers. */
    IMAGES("images", 6, Cleanup.DELETE, Duration.ofDays(1), 4 << 20),
    /** One prediction per image, keyed like the image. */
    PREDICTIONS("predictions", 6, Cleanup.DELETE, Duration.ofDays(7), 1 << 20),
    /** Per-block activation moments deltas ({@code MomentsCodec} records), keyed {@code model/version/block}. */
    ACTIVATION_MOMENTS("activation-moments", 6, Cleanup.DELETE, Duration.ofDays(7), 1 << 20),
    /**
     * Per-block co-moment deltas as upper-triangular tiles ({@code CoMomentsCodec} records), keyed
     * {@code model/version/block/row.column}; every tile of a block goes to the block key's partition. A publication is
     * a whole matrix (249 MB at DeiT-Base) that the aggregator merges within seconds, so the topic keeps an hour, in
     * 10-minute segments of at most 64 MB: an aggregator down for longer loses co-moments (an estimate the collectors
     * publish again at each doubling), never moments. What the aggregator has merged and committed it deletes
     * ({@code MergedCoMomentsPurge}), so while it runs the topic holds about one open segment per partition.
     */
    ACTIVATION_COMOMENTS("activation-comoments", 6, Cleanup.DELETE, Duration.ofHours(1), 1 << 20),
    /** Running per-block statistics, latest per key. */
    LAYER_STATISTICS("layer-statistics", 6, Cleanup.COMPACT, null, 1 << 20),
    /** Running per-block co-moment tiles, latest per key. */
    LAYER_COMOMENTS("layer-comoments", 6, Cleanup.COMPACT, null, 1 << 20),
    /** Model versions (lineage, artifact, status), latest per key. */
    MODEL_VERSIONS("model-versions", 1, Cleanup.COMPACT, null, 1 << 20),
    IMAGES_DLQ("images.dlq", 1, Cleanup.DELETE, Duration.ofDays(14), 4 << 20),
    ACTIVATION_MOMENTS_DLQ("activation-moments.dlq", 1, Cleanup.DELETE, Duration.ofDays(14), 1 << 20),
    ACTIVATION_COMOMENTS_DLQ("activation-comoments.dlq", 1, Cleanup.DELETE, Duration.ofDays(14), 1 << 20),
    LAYER_STATISTICS_DLQ("layer-statistics.dlq", 1, Cleanup.DELETE, Duration.ofDays(14), 1 << 20),
    MODEL_VERSIONS_DLQ("model-versions.dlq", 1, Cleanup.DELETE, Duration.ofDays(14), 1 << 20);

    /** Kafka's {@code cleanup.policy}. */
    public enum Cleanup {
        DELETE("delete"), COMPACT("compact");

        private final String value;

        Cleanup(String value) {
            this.value = value;
        }

        public String value() {
            return value;
        }
    }

    private final String topicName;
    private final int partitions;
    private final Cleanup cleanup;
    private final Duration retention;
    private final int maxMessageBytes;

    Topic(String topicName, int partitions, Cleanup cleanup, Duration retention, int maxMessageBytes) {
        this.topicName = topicName;
        this.partitions = partitions;
        this.cleanup = cleanup;
        this.retention = retention;
        this.maxMessageBytes = maxMessageBytes;
    }

    public String topicName() {
        return topicName;
    }

    public int partitions() {
        return partitions;
    }

    public Cleanup cleanup() {
        return cleanup;
    }

    /** Retention for delete-policy topics; empty for compacted ones (kept forever, latest per key). */
    public Optional<Duration> retention() {
        return Optional.ofNullable(retention);
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** The topic-level configs, as Kafka names them. */
    public Map<String, String> configs() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("cleanup.policy", cleanup.value());
        c.put("max.message.bytes", Integer.toString(maxMessageBytes));
        retention().ifPresent(r -> c.put("retention.ms", Long.toString(r.toMillis())));
        if (cleanup == Cleanup.COMPACT) {
            c.put("min.compaction.lag.ms", "0");
            c.put("segment.ms", Long.toString(Duration.ofHours(1).toMillis()));
        } else if (this == ACTIVATION_COMOMENTS) {
            // whole segments are deleted: short ones, so an hour's retention holds about an hour
            c.put("segment.ms", Long.toString(Duration.ofMinutes(10).toMillis()));
        }
        c.putAll(segmentSettings());
        return c;
    }

    /**
     * The co-moment topics' segment settings (empty for the others, which take the broker's). A DeiT-Base publication
     * is a quarter of a gigabyte and the broker's default segment a whole one: no segment of those topics would ever
     * close within a chain, and the log cleaner and the aggregator's purge only reclaim closed segments. So they roll
     * every {@value #COMOMENTS_SEGMENT_BYTES} bytes, and the compacted one is cleaned once a fifth of it is
     * superseded (a version's second publication replaces its first; a retired version's tombstones replace its
     * tiles). The aggregator's changelog of the same tiles takes the same settings.
     */
    public Map<String, String> segmentSettings() {
        if (this != ACTIVATION_COMOMENTS && this != LAYER_COMOMENTS) {
            return Map.of();
        }
        Map<String, String> c = new LinkedHashMap<>();
        c.put("segment.bytes", Integer.toString(COMOMENTS_SEGMENT_BYTES));
        if (cleanup == Cleanup.COMPACT) {
            c.put("min.cleanable.dirty.ratio", "0.2");
        }
        return c;
    }

    /** The segment size of the co-moment topics and changelogs. */
    public static final int COMOMENTS_SEGMENT_BYTES = 64 << 20;

    public static List<Topic> all() {
        return Arrays.asList(values());
    }

    public static Optional<Topic> byName(String name) {
        return all().stream().filter(t -> t.topicName.equals(name)).findFirst();
    }
}
