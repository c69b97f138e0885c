package io.vbpstream.collector.pipeline;

import io.vbpstream.core.stats.Moments;
import io.vbpstream.platform.message.OffsetRange;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one transaction covers: the per-block moments of the images run since it began and, per input partition,
 * the first and last offset consumed (images that were dead-lettered included, since their offsets are committed
 * too). Flushed when it holds {@code maxImages} images or is {@code maxAgeNanos} old.
 */
public final class MomentsWindow {

    private final int maxImages;
    private final long maxAgeNanos;
    private final Map<String, Moments> blocks = new LinkedHashMap<>();
    private final Map<TopicPartition, long[]> ranges = new LinkedHashMap<>();
    private long images;
    private long startedAt = -1;

    public MomentsWindow(int maxImages, long maxAgeNanos) {
        if (maxImages < 1 || maxAgeNanos < 1) {
            throw new IllegalArgumentException("flush thresholds must be positive");
        }
        this.maxImages = maxImages;
        this.maxAgeNanos = maxAgeNanos;
    }

    /** True once any record was consumed since the last {@link #clear()}: there is a transaction to finish. */
    public boolean isOpen() {
        return startedAt >= 0;
    }

    /** Marks a consumed record (an image or a dead letter); opens the window at its first record. */
    public void consumed(TopicPartition tp, long offset, long nowNanos) {
        if (startedAt < 0) {
            startedAt = nowNanos;
        }
        long[] r = ranges.computeIfAbsent(tp, k -> new long[]{offset, offset});
        r[0] = Math.min(r[0], offset);
        r[1] = Math.max(r[1], offset);
    }

    /** Adds a batch's moments (over {@code count} images). */
    public void add(Map<String, Moments> batch, int count) {
        for (Map.Entry<String, Moments> e : batch.entrySet()) {
            Moments m = blocks.get(e.getKey());
            if (m == null) {
                blocks.put(e.getKey(), e.getValue().copy());
            } else {
                m.merge(e.getValue());
            }
        }
        images += count;
    }

    public boolean isDue(long nowNanos) {
        return isOpen() && (images >= maxImages || nowNanos - startedAt >= maxAgeNanos);
    }

    /** How long the window has been open at {@code nowNanos} (0 when it is not open). */
    public long ageNanos(long nowNanos) {
        return isOpen() ? nowNanos - startedAt : 0;
    }

    public long images() {
        return images;
    }

    public Map<String, Moments> blocks() {
        return blocks;
    }

    /** The offsets consumed, as the header of each delta lists them. */
    public List<OffsetRange> offsetRanges() {
        List<OffsetRange> out = new ArrayList<>();
        ranges.forEach((tp, r) -> out.add(new OffsetRange(tp.topic(), tp.partition(), r[0], r[1])));
        return out;
    }

    /** The offsets to commit: one past the last consumed record of each partition. */
    public Map<TopicPartition, OffsetAndMetadata> commitOffsets() {
        Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
        ranges.forEach((tp, r) -> out.put(tp, new OffsetAndMetadata(r[1] + 1)));
        return out;
    }

    public void clear() {
        blocks.clear();
        ranges.clear();
        images = 0;
        startedAt = -1;
    }
}
