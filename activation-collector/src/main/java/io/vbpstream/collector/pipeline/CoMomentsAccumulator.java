package io.vbpstream.collector.pipeline;

import io.vbpstream.collector.model.DjlEngine;
import io.vbpstream.core.runtime.GramKernel;
import io.vbpstream.core.runtime.SampledCoMoments;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.platform.message.OffsetRange;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The co-moments a collector has gathered for one model version since its last publication, across many transaction
 * windows, with the input offsets they cover. Publishing a whole co-moment matrix costs the same whatever the samples
 * behind it (226 MB of float32 upper triangles, 249 MB as tiles, at DeiT-Base), so it is published rarely: first after {@code firstSamples}
 * samples, then each time the samples gathered since reach those published so far (so a version's publications come
 * at n, 2n, 4n, ... samples: the doublings the pruner compares), and at the latest {@code maxAgeNanos} after the first
 * sample.
 *
 * <p>Exactly-once: the samples of a window are merged here before its transaction commits, so when a window is aborted
 * (its images will be read again) the whole accumulation is dropped: a crash or an abort loses at most what was
 * gathered since the last publication, and never counts a sample twice. A publication goes out in the transaction of
 * the window that makes it due, with the ranges of every window it covers.
 *
 * <p>A block's sampled activation rows are buffered, {@code bufferRows} at a time, and their Gram computed by a
 * {@link GramKernel} (one per width, owned here) when the buffer fills or the accumulation is read: buffered rows are
 * part of the accumulation, dropped with it. Not thread-safe; {@link #close} frees the kernels.
 */
public final class CoMomentsAccumulator implements AutoCloseable {

    private final long firstSamples;
    private final long maxAgeNanos;
    private final int bufferRows;
    private final Map<String, SampledCoMoments> blocks = new LinkedHashMap<>();
    private final Map<Integer, GramKernel> kernels = new java.util.HashMap<>();
    private final Map<TopicPartition, List<long[]>> ranges = new LinkedHashMap<>();
    private long images;
    private long published;
    private long startedAt = -1;
    private boolean skippingWindow;

    /**
     * @param bufferRows a block's sampled rows per Gram ({@link SampledCoMoments}: {@code 4 · bufferRows · width}
     *                   bytes of heap per block)
     */
    public CoMomentsAccumulator(long firstSamples, long maxAgeNanos, int bufferRows) {
        if (firstSamples < 1 || maxAgeNanos < 1 || bufferRows < 1) {
            throw new IllegalArgumentException("the first publication's samples, the longest accumulation and the rows "
                    + "per Gram must be positive, got " + firstSamples + ", " + maxAgeNanos + " ns and " + bufferRows);
        }
        this.firstSamples = firstSamples;
        this.maxAgeNanos = maxAgeNanos;
        this.bufferRows = bufferRows;
    }

    /**
     * Adds one block's sampled activation rows of a batch (row-major {@code [count, width]}); false, and nothing added,
     * while the open window's samples are skipped ({@link #skipRestOfWindow}).
     */
    public boolean addRows(String block, int width, float[] rows, int count, long nowNanos) {
        if (skippingWindow) {
            return false;
        }
        if (startedAt < 0) {
            startedAt = nowNanos;
        }
        blocks.computeIfAbsent(block, b -> new SampledCoMoments(kernel(width), bufferRows)).add(rows, count);
        return true;
    }

    /**
     * After a batch failed with some of its rows added, and the accumulation was {@link #drop dropped}: the rest of
     * the open window adds none, so no publication claims that window's images, whose samples are gone.
     */
    public void skipRestOfWindow() {
        skippingWindow = true;
    }

    /** The open window committed or was aborted: the next one's rows are added again. */
    public void windowClosed() {
        skippingWindow = false;
    }

    private GramKernel kernel(int width) {
        return kernels.computeIfAbsent(width, w -> {
            DjlEngine.get(); // DJL's engine creates the process's ONNX Runtime environment, before anything else
            return new GramKernel(w);
        });
    }

    /** Adds a window's images and offset ranges (called as its transaction is about to commit). */
    public void covered(long windowImages, List<OffsetRange> windowRanges) {
        if (blocks.isEmpty()) {
            return;
        }
        images += windowImages;
        for (OffsetRange r : windowRanges) {
            List<long[]> list = ranges.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new ArrayList<>());
            long[] last = list.isEmpty() ? null : list.get(list.size() - 1);
            if (last != null && last[1] + 1 >= r.from()) {
                last[1] = Math.max(last[1], r.to());
            } else {
                list.add(new long[] {r.from(), r.to()});
            }
        }
    }

    /** Samples behind the accumulation: the fewest of any block (all blocks see the same images). */
    public long samples() {
        return blocks.values().stream().mapToLong(SampledCoMoments::count).min().orElse(0);
    }

    /** Samples this collector has published for the version so far. */
    public long published() {
        return published;
    }

    /** True when the accumulation should go out with the window now committing. */
    public boolean isDue(long nowNanos) {
        long n = samples();
        return n > 0 && (n >= Math.max(firstSamples, published) || nowNanos - startedAt >= maxAgeNanos);
    }

    /** Each block's co-moments (their buffered rows merged first). */
    public Map<String, CoMoments> blocks() {
        Map<String, CoMoments> out = new LinkedHashMap<>();
        blocks.forEach((block, c) -> out.put(block, c.coMoments()));
        return out;
    }

    /** Images behind the accumulation (those of the windows {@link #covered} since the last publication). */
    public long images() {
        return images;
    }

    /** The input offsets the accumulation covers, contiguous ranges merged. */
    public List<OffsetRange> offsetRanges() {
        List<OffsetRange> out = new ArrayList<>();
        ranges.forEach((tp, list) -> list.forEach(r -> out.add(new OffsetRange(tp.topic(), tp.partition(), r[0], r[1]))));
        return out;
    }

    /** After its publication committed: starts the next accumulation. */
    public void published(long samples) {
        published += samples;
        clear();
    }

    /** Forgets the accumulation (its window aborted, or the version was superseded); returns the samples dropped. */
    public long drop() {
        long n = samples();
        clear();
        return n;
    }

    /** Starts over for a new model version (whose widths may differ): nothing accumulated, nothing published. */
    public void reset() {
        clear();
        published = 0;
        closeKernels();
    }

    @Override
    public void close() {
        clear();
        closeKernels();
    }

    private void closeKernels() {
        kernels.values().forEach(GramKernel::close);
        kernels.clear();
    }

    private void clear() {
        blocks.clear();
        ranges.clear();
        images = 0;
        startedAt = -1;
    }
}
