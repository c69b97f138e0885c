package io.vbpstream.core.stats;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MomentsTest {

    private static final int WIDTH = 7;

    /** Rows of Gaussian data with a per-neuron offset and scale, from a seeded generator. */
    private static double[][] data(long seed, int rows, double offset, double sd) {
        Random rng = new Random(seed);
        double[][] x = new double[rows][WIDTH];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < WIDTH; j++) {
                x[r][j] = offset * (j + 1) + sd * (j + 1) * rng.nextGaussian();
            }
        }
        return x;
    }

    /** Two-pass reference: exact mean from BigDecimal sums, then squared deviations summed in double. */
    private static double[][] twoPass(double[][] x) {
        double[] mean = new double[WIDTH];
        double[] m2 = new double[WIDTH];
        for (int j = 0; j < WIDTH; j++) {
            BigDecimal sum = BigDecimal.ZERO;
            for (double[] row : x) {
                sum = sum.add(new BigDecimal(row[j]));
            }
            mean[j] = sum.divide(BigDecimal.valueOf(x.length), MathContext.DECIMAL128).doubleValue();
            for (double[] row : x) {
                double d = row[j] - mean[j];
                m2[j] += d * d;
            }
        }
        return new double[][] {mean, m2};
    }

    private static Moments fromRows(double[][] x, int chunk) {
        Moments total = Moments.empty(WIDTH);
        for (int start = 0; start < x.length; start += chunk) {
            int n = Math.min(chunk, x.length - start);
            Moments part = Moments.empty(WIDTH);
            for (int r = start; r < start + n; r++) {
                part.add(x[r]);
            }
            total.merge(part);
        }
        return total;
    }

    private static void assertClose(double[] expected, double[] actual, double rel) {
        for (int j = 0; j < expected.length; j++) {
            double err = Math.abs(expected[j] - actual[j]) / Math.max(Math.abs(expected[j]), 1e-300);
            assertTrue(err <= rel, "neuron " + j + ": expected " + expected[j] + " got " + actual[j] + " (rel " + err + ")");
        }
    }

    @Test
    void welfordAndChanMergeMatchTwoPassReference() {
        double[][] x = data(42, 5000, 3.0, 2.0);
        double[][] ref = twoPass(x);
        for (int chunk : new int[] {1, 7, 64, 5000}) {
            Moments m = fromRows(x, chunk);
            assertEquals(5000, m.count());
            assertClose(ref[0], m.mean(), 1e-12);
            assertClose(ref[1], m.m2(), 1e-11);
        }
    }

    @Test
    void batchUpdateFromFloatsMatchesTwoPass() {
        SplittableRandom rng = new SplittableRandom(7);
        int rows = 3000;
        float[] f = new float[rows * WIDTH];
        double[][] x = new double[rows][WIDTH];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < WIDTH; j++) {
                f[r * WIDTH + j] = (float) (j - 3 + rng.nextDouble() * (j + 1));
                x[r][j] = f[r * WIDTH + j];
            }
        }
        double[][] ref = twoPass(x);
        Moments m = Moments.empty(WIDTH).addBatch(f, 1000);
        float[] rest = java.util.Arrays.copyOfRange(f, 1000 * WIDTH, f.length);
        m.merge(Moments.empty(WIDTH).addBatch(rest, 2000));
        assertClose(ref[0], m.mean(), 1e-12);
        assertClose(ref[1], m.m2(), 1e-11);
    }

    @Test
    void permutationInvariant() {
        double[][] x = data(3, 2000, 1.0, 1.0);
        List<double[]> rows = new ArrayList<>(List.of(x));
        Collections.shuffle(rows, new Random(99));
        Moments a = fromRows(x, 50);
        Moments b = fromRows(rows.toArray(new double[0][]), 50);
        assertClose(a.mean(), b.mean(), 1e-12);
        assertClose(a.m2(), b.m2(), 1e-11);
    }

    @Test
    void mergeEqualsConcatenation() {
        double[][] left = data(11, 1234, 5.0, 0.5);
        double[][] right = data(12, 777, -2.0, 3.0);
        double[][] both = new double[left.length + right.length][];
        System.arraycopy(left, 0, both, 0, left.length);
        System.arraycopy(right, 0, both, left.length, right.length);
        double[][] ref = twoPass(both);
        Moments merged = fromRows(left, 100).merge(fromRows(right, 100));
        assertEquals(both.length, merged.count());
        assertClose(ref[0], merged.mean(), 1e-12);
        assertClose(ref[1], merged.m2(), 1e-10);
    }

    @Test
    void numericallyStableForLargeMeanTinySpread() {
        // values around 1e4 with standard deviation 1e-3: the naive sum-of-squares formula loses every digit here
        double[][] x = data(5, 20000, 1e4, 1e-3);
        double[][] ref = twoPass(x);
        for (int chunk : new int[] {1, 256, 20000}) {
            Moments m = fromRows(x, chunk);
            assertClose(ref[0], m.mean(), 1e-12);
            assertClose(ref[1], m.m2(), 1e-9);
        }
        // and the naive formula really does fail on this data, so the test above means something
        double naive = 0;
        double sum = 0;
        for (double[] row : x) {
            naive += row[0] * row[0];
            sum += row[0];
        }
        double naiveM2 = naive - sum * sum / x.length;
        assertTrue(Math.abs(naiveM2 - ref[1][0]) / ref[1][0] > 1e-3);
    }

    @Test
    void mergingEmptyIsIdentityAndWidthsMustMatch() {
        Moments m = fromRows(data(1, 10, 0, 1), 3);
        Moments copy = m.copy();
        m.merge(Moments.empty(WIDTH));
        assertEquals(copy, m);
        Moments e = Moments.empty(WIDTH).merge(copy);
        assertEquals(copy, e);
        assertThrows(IllegalArgumentException.class, () -> m.merge(Moments.empty(WIDTH + 1)));
        assertThrows(IllegalArgumentException.class, () -> Moments.empty(0));
        assertThrows(IllegalArgumentException.class, () -> m.merge(-1, new double[WIDTH], new double[WIDTH]));
        assertThrows(IllegalArgumentException.class, () -> m.merge(Long.MAX_VALUE, new double[WIDTH], new double[WIDTH]));
        assertEquals(copy, m, "a refused merge leaves the accumulator as it was");
    }

    @Test
    void varianceIsM2OverCount() {
        Moments m = Moments.empty(1).add(new double[] {1}).add(new double[] {3});
        assertEquals(2.0, m.mean(0));
        assertEquals(1.0, m.variance()[0]);
        assertEquals(2.0, m.sampleVariance()[0]);
    }
}
