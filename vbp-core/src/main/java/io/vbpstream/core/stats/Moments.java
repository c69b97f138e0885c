package io.vbpstream.core.stats;

import java.util.Arrays;

/**
 * Per-neuron running count, mean and sum of squared deviations (M2) in float64.
 *
 * <p>Batches and other accumulators merge with Chan, Golub and LeVeque's pairwise update:
 * {@code n = na + nb; d = mb - ma; mean = ma + d*nb/n; M2 = M2a + M2b + d^2*na*nb/n}, which is exact in exact
 * arithmetic and stable in floating point. Instances are mutable accumulators; {@link #copy()} before sharing.
 */
public final class Moments {

    private long count;
    private final double[] mean;
    private final double[] m2;

    private Moments(long count, double[] mean, double[] m2) {
        this.count = count;
        this.mean = mean;
        this.m2 = m2;
    }

    public static Moments empty(int width) {
        if (width <= 0) {
            throw new IllegalArgumentException("width must be positive: " + width);
        }
        return new Moments(0, new double[width], new double[width]);
    }

    /** Moments of a batch, e.g. as returned by the instrumented graph. The arrays are copied. */
    public static Moments of(long count, double[] mean, double[] m2) {
        if (mean.length != m2.length || mean.length == 0) {
            throw new IllegalArgumentException("mean and m2 must have the same positive width: " + mean.length + " vs " + m2.length);
        }
        if (count < 0) {
            throw new IllegalArgumentException("negative count " + count);
        }
        return new Moments(count, mean.clone(), m2.clone());
    }

    /** Adds one sample (one token's activation vector) with Welford's update. */
    public Moments add(double[] sample) {
        checkWidth(sample.length);
        count++;
        for (int j = 0; j < mean.length; j++) {
            double d = sample[j] - mean[j];
            mean[j] += d / count;
            m2[j] += d * (sample[j] - mean[j]);
        }
        return this;
    }

    /** Adds {@code rows} samples stored row-major in {@code data} ({@code rows x width}), via a two-pass batch merge. */
    public Moments addBatch(float[] data, int rows) {
        int w = mean.length;
        if (data.length < (long) rows * w) {
            throw new IllegalArgumentException("batch holds " + data.length + " values, expected " + rows + " x " + w);
        }
        if (rows == 0) {
            return this;
        }
        double[] bm = new double[w];
        for (int r = 0; r < rows; r++) {
            int off = r * w;
            for (int j = 0; j < w; j++) {
                bm[j] += data[off + j];
            }
        }
        for (int j = 0; j < w; j++) {
            bm[j] /= rows;
        }
        double[] bm2 = new double[w];
        for (int r = 0; r < rows; r++) {
            int off = r * w;
            for (int j = 0; j < w; j++) {
                double d = data[off + j] - bm[j];
                bm2[j] += d * d;
            }
        }
        return merge(rows, bm, bm2);
    }

    /** Merges another accumulator into this one. */
    public Moments merge(Moments other) {
        return merge(other.count, other.mean, other.m2);
    }

    /** Merges the moments of a batch of {@code nb} samples into this one. */
    public Moments merge(long nb, double[] meanB, double[] m2B) {
        checkWidth(meanB.length);
        checkWidth(m2B.length);
        if (nb < 0) {
            throw new IllegalArgumentException("cannot merge a negative count " + nb);
        }
        if (nb == 0) {
            return this;
        }
        if (count == 0) {
            count = nb;
            System.arraycopy(meanB, 0, mean, 0, mean.length);
            System.arraycopy(m2B, 0, m2, 0, m2.length);
            return this;
        }
        long na = count;
        long total;
        try {
            total = Math.addExact(na, nb);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("merged count overflows: " + na + " + " + nb);
        }
        double n = (double) total;
        double wb = nb / n;
        double cross = (double) na * nb / n;
        for (int j = 0; j < mean.length; j++) {
            double d = meanB[j] - mean[j];
            mean[j] += d * wb;
            m2[j] += m2B[j] + d * d * cross;
        }
        count = total;
        return this;
    }

    public long count() {
        return count;
    }

    public int width() {
        return mean.length;
    }

    /** A copy of the per-neuron means. */
    public double[] mean() {
        return mean.clone();
    }

    /** A copy of the per-neuron sums of squared deviations. */
    public double[] m2() {
        return m2.clone();
    }

    public double mean(int j) {
        return mean[j];
    }

    public double m2(int j) {
        return m2[j];
    }

    /** Population variance {@code M2 / n} per neuron (what VBP ranks by); NaN entries when empty. */
    public double[] variance() {
        double[] v = new double[mean.length];
        for (int j = 0; j < v.length; j++) {
            v[j] = m2[j] / count;
        }
        return v;
    }

    /** Unbiased sample variance {@code M2 / (n - 1)} per neuron. */
    public double[] sampleVariance() {
        double[] v = new double[mean.length];
        for (int j = 0; j < v.length; j++) {
            v[j] = m2[j] / (count - 1);
        }
        return v;
    }

    public Moments copy() {
        return new Moments(count, mean.clone(), m2.clone());
    }

    private void checkWidth(int w) {
        if (w != mean.length) {
            throw new IllegalArgumentException("width " + w + " does not match accumulator width " + mean.length);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Moments m && m.count == count && Arrays.equals(m.mean, mean) && Arrays.equals(m.m2, m2);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Long.hashCode(count) + Arrays.hashCode(mean)) + Arrays.hashCode(m2);
    }

    @Override
    public String toString() {
        return "Moments[count=" + count + ", width=" + mean.length + "]";
    }
}
