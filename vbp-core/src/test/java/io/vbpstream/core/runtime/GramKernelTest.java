package io.vbpstream.core.runtime;

import io.vbpstream.core.stats.CoMoments;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The Gram kernel and the buffered co-moments against a two-pass float64 reference ({@link CoMoments#addBatch}) on
 * seeded data shaped like post-GELU activations (offset, skewed, correlated). Tolerance: every co-moment within 2e-5
 * of the two neurons' spread {@code sqrt(C_ii C_jj)} (float32 products over a few hundred rows, centred first), the
 * means within 1e-12 (they are float64 sums).
 */
class GramKernelTest {

    /** Three bands of 512 rows, the last ragged. */
    private static final int WIDTH = 1100;

    private static float[] activations(long seed, int rows) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[rows * WIDTH];
        double[] loading = new double[WIDTH];
        for (int j = 0; j < WIDTH; j++) {
            loading[j] = rng.nextDouble(-1, 1);
        }
        for (int r = 0; r < rows; r++) {
            double common = rng.nextGaussian();
            for (int j = 0; j < WIDTH; j++) {
                double pre = 0.3 * loading[j] * common + rng.nextGaussian() + (j % 7) * 0.2;
                // GELU's shape: a long positive tail, a floor just below zero
                x[r * WIDTH + j] = (float) Math.max(-0.17, pre) + 5f;
            }
        }
        return x;
    }

    private static void assertClose(CoMoments expected, CoMoments actual) {
        assertEquals(expected.count(), actual.count());
        for (int i = 0; i < WIDTH; i++) {
            assertEquals(expected.mean(i), actual.mean(i), 1e-12 * Math.abs(expected.mean(i)), "mean " + i);
        }
        for (int i = 0; i < WIDTH; i += 7) {
            for (int j = i; j < WIDTH; j += 5) {
                double scale = Math.sqrt(expected.coMoment(i, i) * expected.coMoment(j, j));
                assertEquals(expected.coMoment(i, j), actual.coMoment(i, j), 2e-5 * scale, "C[" + i + "][" + j + "]");
            }
        }
        for (int i = 0; i < WIDTH; i++) {
            assertEquals(expected.coMoment(i, i), actual.coMoment(i, i), 2e-5 * expected.coMoment(i, i), "C[" + i + "][" + i + "]");
        }
    }

    @Test
    void bandsOfTheUpperTriangleGiveTheTwoPassCoMoments() {
        float[] x = activations(7L, 300);
        CoMoments reference = CoMoments.empty(WIDTH).addBatch(x, 300);
        CoMoments actual = CoMoments.empty(WIDTH);
        try (GramKernel kernel = new GramKernel(WIDTH)) {
            kernel.merge(actual, x, 120);
            kernel.merge(actual, java.util.Arrays.copyOfRange(x, 120 * WIDTH, 300 * WIDTH), 180);
            assertThrows(IllegalArgumentException.class, () -> kernel.merge(CoMoments.empty(WIDTH + 1), x, 1));
            assertThrows(IllegalArgumentException.class, () -> kernel.merge(CoMoments.empty(WIDTH), x, 301));
        }
        assertClose(reference, actual);
    }

    @Test
    void bufferedRowsAcrossManyBatchesGiveTheSameCoMoments() {
        float[] x = activations(11L, 700);
        CoMoments reference = CoMoments.empty(WIDTH).addBatch(x, 700);
        try (GramKernel kernel = new GramKernel(WIDTH)) {
            SampledCoMoments sampled = new SampledCoMoments(kernel, 256);
            SplittableRandom rng = new SplittableRandom(3);
            for (int from = 0; from < 700; ) {
                int n = Math.min(700 - from, 1 + rng.nextInt(200));
                sampled.add(java.util.Arrays.copyOfRange(x, from * WIDTH, (from + n) * WIDTH), n);
                from += n;
                assertEquals(from, sampled.count(), "buffered rows count as samples");
            }
            assertClose(reference, sampled.coMoments());
            assertEquals(700, sampled.coMoments().count(), "reading twice merges nothing twice");
        }
    }
}
