package io.vbpstream.core.stats;

import java.util.List;

/**
 * One block's activation count, mean and co-moment matrix {@code C = Σ (h − μ)(h − μ)ᵀ} in float64; the covariance
 * is {@code C / n} and its diagonal is the M2 that {@link Moments} keeps. Only the upper triangle is stored (packed
 * row by row).
 *
 * <p>Accumulators merge exactly like the moments (Chan, Golub and LeVeque):
 * {@code n = na + nb; d = μb − μa; μ = μa + d·nb/n; C = Ca + Cb + d dᵀ·na·nb/n}. The same update holds for any
 * rectangle of C given the means of its rows and columns, which is what lets {@link CoMomentsTile}s of one matrix be
 * merged independently (and streamed as separate Kafka records). Instances are mutable accumulators.
 */
public final class CoMoments {

    private long count;
    private final int width;
    private final double[] mean;
    private final double[] upper;

    private CoMoments(int width) {
        if (width <= 0) {
            throw new IllegalArgumentException("width must be positive: " + width);
        }
        this.width = width;
        this.mean = new double[width];
        this.upper = new double[packedSize(width)];
    }

    /** An accumulator over {@code mean} and the packed {@code upper} triangle of its width, not copied. */
    CoMoments(long count, double[] mean, double[] upper) {
        this.count = count;
        this.width = mean.length;
        this.mean = mean;
        this.upper = upper;
    }

    public static CoMoments empty(int width) {
        return new CoMoments(width);
    }

    /** Values in the packed upper triangle of a {@code width x width} matrix. */
    public static int packedSize(int width) {
        long n = (long) width * (width + 1) / 2;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("width " + width + " is too large for one co-moment matrix");
        }
        return (int) n;
    }

    /** Where {@code C[i][j]} ({@code i <= j}) sits in the packed upper triangle of a {@code width x width} matrix. */
    static int at(int width, int i, int j) {
        // row i of the packed upper triangle starts after rows 0..i-1, of lengths w, w-1, ...
        return i * width - i * (i - 1) / 2 + (j - i);
    }

    /**
     * A batch's accumulator from its count, mean and centred Gram matrix {@code Hcᵀ·Hc} (full, row-major
     * {@code width x width}, as the instrumented graph returns it; only its upper triangle is read).
     */
    public static CoMoments ofBatch(long count, double[] mean, float[] centredGram) {
        CoMoments c = new CoMoments(mean.length);
        int w = c.width;
        if (centredGram.length != (long) w * w) {
            throw new IllegalArgumentException("Gram matrix of " + centredGram.length + " values for width " + w);
        }
        c.count = count;
        System.arraycopy(mean, 0, c.mean, 0, w);
        int k = 0;
        for (int i = 0; i < w; i++) {
            for (int j = i; j < w; j++) {
                c.upper[k++] = centredGram[i * w + j];
            }
        }
        return c;
    }

    /**
     * Moves the co-moments from the centre {@code mean + d} they were taken about to {@code mean}:
     * {@code C −= n·d dᵀ} (the sum of {@code (h − c)(h − c)ᵀ} exceeds that about the mean by exactly that). A
     * diagonal that float32 rounding takes below zero is clamped to zero, as for the moments' M2.
     */
    public CoMoments shifted(double[] d) {
        if (d.length != width) {
            throw new IllegalArgumentException("shift of width " + d.length + " for width " + width);
        }
        int k = 0;
        for (int i = 0; i < width; i++) {
            double di = d[i] * count;
            upper[k] = Math.max(0.0, upper[k] - di * d[i]);
            k++;
            for (int j = i + 1; j < width; j++) {
                upper[k++] -= di * d[j];
            }
        }
        return this;
    }

    /** Adds {@code rows} samples (row-major, {@code rows x width}) with two passes: the batch mean, then its Gram. */
    public CoMoments addBatch(float[] data, int rows) {
        if (data.length < (long) rows * width) {
            throw new IllegalArgumentException("batch holds " + data.length + " values, expected " + rows + " x " + width);
        }
        if (rows == 0) {
            return this;
        }
        return merge(BatchCoMoments.of(data, rows, width));
    }

    /**
     * Merges a batch of {@code batchCount} samples given as its mean and the upper triangle of its Gram about that
     * mean, in row bands of {@code bandRows} rows: {@code bands[b]} holds rows {@code b·bandRows ..} of the Gram from
     * column {@code b·bandRows} to the last, row-major {@code [rows_b, width − b·bandRows]} (what {@code GramKernel}
     * in the runtime package returns). Only the part on or above the diagonal is read.
     */
    public CoMoments mergeBands(long batchCount, double[] batchMean, int bandRows, float[][] bands) {
        count = GramBandMerge.merge(count, mean, upper, batchCount, batchMean, bandRows, bands);
        return this;
    }

    /** Merges {@code other} (same width) into this accumulator. */
    public CoMoments merge(CoMoments other) {
        if (other.width != width) {
            throw new IllegalArgumentException("width " + other.width + " merged into width " + width);
        }
        if (other.count == 0) {
            return this;
        }
        if (count == 0) {
            count = other.count;
            System.arraycopy(other.mean, 0, mean, 0, width);
            System.arraycopy(other.upper, 0, upper, 0, upper.length);
            return this;
        }
        long n = count + other.count;
        double f = (double) count * other.count / n;
        double[] d = new double[width];
        for (int j = 0; j < width; j++) {
            d[j] = other.mean[j] - mean[j];
        }
        int k = 0;
        for (int i = 0; i < width; i++) {
            double di = d[i] * f;
            for (int j = i; j < width; j++) {
                upper[k] += other.upper[k] + di * d[j];
                k++;
            }
        }
        for (int j = 0; j < width; j++) {
            mean[j] += d[j] * other.count / n;
        }
        count = n;
        return this;
    }

    public long count() {
        return count;
    }

    public int width() {
        return width;
    }

    public double mean(int j) {
        return mean[j];
    }

    /** {@code C[i][j]} (symmetric). */
    public double coMoment(int i, int j) {
        return i <= j ? upper[at(width, i, j)] : upper[at(width, j, i)];
    }

    /** The population covariance {@code C[i][j] / n}. */
    public double covariance(int i, int j) {
        if (count == 0) {
            throw new IllegalStateException("no samples");
        }
        return coMoment(i, j) / count;
    }

    /** The per-neuron moments this matrix implies: the same count and mean, and its diagonal as M2. */
    public Moments moments() {
        double[] m2 = new double[width];
        for (int j = 0; j < width; j++) {
            m2[j] = upper[at(width, j, j)];
        }
        return Moments.of(count, mean, m2);
    }

    /** The upper-triangular tiles of side {@code tile} (the last row and column of tiles may be smaller). */
    public List<CoMomentsTile> tiles(int tile) {
        return CoMomentsTiling.tiles(this, tile);
    }

    /**
     * Reassembles a matrix from all its tiles (any order). Every tile must have the same width, tile size and count,
     * every position must be present once, and the means the tiles carry must agree (to rounding); the means are the
     * diagonal tiles'.
     */
    public static CoMoments fromTiles(List<CoMomentsTile> tiles) {
        return CoMomentsTiling.fromTiles(tiles);
    }
}
