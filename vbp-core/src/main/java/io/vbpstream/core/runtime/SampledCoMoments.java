package io.vbpstream.core.runtime;

import io.vbpstream.core.stats.CoMoments;

/**
 * One block's co-moments over sampled activation rows, gathered a batch at a time: rows are buffered until
 * {@code bufferRows} are there, then their Gram is computed in one {@link GramKernel} call and merged into the
 * float64 accumulator. Buffering several batches' rows makes the kernel's inner dimension (and its efficiency) larger
 * and its fixed cost per call (the bands it returns, their merge into the packed triangle) rarer. Not thread-safe.
 */
public final class SampledCoMoments {

    private final GramKernel kernel;
    private final CoMoments merged;
    private final float[] buffer;
    private int buffered;

    /** @param bufferRows rows gathered per kernel call ({@code 4 · bufferRows · width} bytes of heap) */
    public SampledCoMoments(GramKernel kernel, int bufferRows) {
        if (bufferRows < 1 || (long) bufferRows * kernel.width() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cannot buffer " + bufferRows + " rows of width " + kernel.width());
        }
        this.kernel = kernel;
        this.merged = CoMoments.empty(kernel.width());
        this.buffer = new float[bufferRows * kernel.width()];
    }

    /** Adds the first {@code count} rows of {@code rows} (row-major {@code [count, width]}). */
    public void add(float[] rows, int count) {
        int w = kernel.width();
        if (count < 0 || rows.length < (long) count * w) {
            throw new IllegalArgumentException(count + " rows of width " + w + " in " + rows.length + " values");
        }
        int capacity = buffer.length / w;
        int from = 0;
        while (from < count) {
            int take = Math.min(count - from, capacity - buffered);
            System.arraycopy(rows, from * w, buffer, buffered * w, take * w);
            buffered += take;
            from += take;
            if (buffered == capacity) {
                flush();
            }
        }
    }

    /** Samples added so far, buffered or merged. */
    public long count() {
        return merged.count() + buffered;
    }

    /** The co-moments of every row added so far (the buffer is merged first). */
    public CoMoments coMoments() {
        flush();
        return merged;
    }

    private void flush() {
        if (buffered > 0) {
            kernel.merge(merged, buffer, buffered);
            buffered = 0;
        }
    }
}
