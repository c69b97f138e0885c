package io.vbpstream.core.prune;

import io.vbpstream.core.stats.CoMoments;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CovarianceChangeTest {

    /** Seeded rows, {@code rows x width}, with correlated columns so the off-diagonal is not noise only. */
    private static float[] rows(int rows, int width, SplittableRandom rng) {
        float[] x = new float[rows * width];
        for (int r = 0; r < rows; r++) {
            double common = rng.nextGaussian();
            for (int j = 0; j < width; j++) {
                x[r * width + j] = (float) (common * (j + 1) / width + rng.nextGaussian());
            }
        }
        return x;
    }

    /** Two-pass covariance {@code Σ = C/n} of the first {@code n} rows (the divisor the measure uses). */
    private static double[][] sigma(float[] x, int n, int width) {
        double[] mean = new double[width];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < width; j++) {
                mean[j] += x[r * width + j];
            }
        }
        for (int j = 0; j < width; j++) {
            mean[j] /= n;
        }
        double[][] s = new double[width][width];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < width; i++) {
                for (int j = 0; j < width; j++) {
                    s[i][j] += (x[r * width + i] - mean[i]) * (x[r * width + j] - mean[j]) / n;
                }
            }
        }
        return s;
    }

    @Test
    void theOffDiagonalChangeMatchesATwoPassReference() {
        int width = 9;
        float[] x = rows(600, width, new SplittableRandom(3));
        CoMoments before = CoMoments.empty(width).addBatch(java.util.Arrays.copyOf(x, 200 * width), 200);
        CoMoments now = CoMoments.empty(width).addBatch(x, 600);
        double[][] a = sigma(x, 600, width);
        double[][] b = sigma(x, 200, width);
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < width; i++) {
            for (int j = i + 1; j < width; j++) {
                diff += (a[i][j] - b[i][j]) * (a[i][j] - b[i][j]);
                norm += a[i][j] * a[i][j];
            }
        }
        assertEquals(Math.sqrt(diff / norm), CovarianceChange.relativeOffDiagonal(now, before), 1e-9);
        assertEquals(0.0, CovarianceChange.relativeOffDiagonal(now, now), 0.0);
    }
}
