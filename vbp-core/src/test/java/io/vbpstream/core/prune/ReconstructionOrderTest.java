package io.vbpstream.core.prune;

import io.vbpstream.core.linalg.DenseKernels;
import io.vbpstream.core.stats.CoMoments;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReconstructionOrderTest {

    /** Activations: {@code rows x width}, row-major floats. */
    private static float[] gaussian(Random rnd, int rows, int width) {
        float[] x = new float[rows * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * (1 + (i % width) % 3) + 0.1 * (i % width));
        }
        return x;
    }

    private static double[] gaussianWeights(Random rnd, int width, int out) {
        double[] w = new double[width * out];
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextGaussian();
        }
        return w;
    }

    /**
     * 24 independent neurons and 8 more, each the average of two of them (multiples of 1/256, so exact in float32).
     * Removing one of those 8 costs only the ridge on a coefficient vector (0.5, 0.5). Removing one of the two it
     * averages costs the ridge on (2, -1), ten times as much, and any other neuron cannot be reconstructed at all. With fc2's rows of one norm, so
     * the order removes exactly the 8 first, and the least-squares fold on the rest reproduces the block's output on
     * every sample within 1e-5.
     */
    @Test
    void neuronsThatAreLinearCombinationsOfKeptOnesAreRemovedFirstAndLeaveTheOutputUnchanged() {
        Random rnd = new Random(7);
        int free = 24;
        int dependent = 8;
        int w = free + dependent;
        int out = 10;
        int rows = 2000;
        float[] base = gaussian(rnd, rows, free);
        for (int i = 0; i < base.length; i++) {
            base[i] = Math.round(base[i] * 256) / 256f;
        }
        float[] x = new float[rows * w];
        int[] combos = new int[dependent * 2];
        for (int d = 0; d < dependent; d++) {
            combos[2 * d] = rnd.nextInt(free);
            combos[2 * d + 1] = (combos[2 * d] + 1 + rnd.nextInt(free - 1)) % free;
        }
        // the dependent neurons sit among the free ones: columns 3, 7, 11, ... of the block
        int[] dependentColumns = IntStream.range(0, dependent).map(d -> 3 + 4 * d).toArray();
        int[] freeColumns = IntStream.range(0, w).filter(j -> Arrays.binarySearch(dependentColumns, j) < 0).toArray();
        for (int r = 0; r < rows; r++) {
            for (int f = 0; f < free; f++) {
                x[r * w + freeColumns[f]] = base[r * free + f];
            }
            for (int d = 0; d < dependent; d++) {
                x[r * w + dependentColumns[d]] = 0.5f * (base[r * free + combos[2 * d]] + base[r * free + combos[2 * d + 1]]);
            }
        }
        CoMoments c = CoMoments.empty(w).addBatch(x, rows);
        double[] w2 = gaussianWeights(rnd, w, out);
        for (int j = 0; j < w; j++) { // unit rows: the error then depends on the reconstruction alone
            double norm = 0;
            for (int o = 0; o < out; o++) {
                norm += w2[j * out + o] * w2[j * out + o];
            }
            for (int o = 0; o < out; o++) {
                w2[j * out + o] /= Math.sqrt(norm);
            }
        }
        double alpha = 1e-6;

        ReconstructionOrder.Order order = ReconstructionOrder.compute(c, w2, out, alpha, dependent, 1);
        int[] removed = order.neurons().clone();
        Arrays.sort(removed);
        assertArrayEquals(dependentColumns, removed);
        for (double e : order.errors()) {
            assertTrue(e < 1e-6 * order.energy(), "an exact combination costs nothing: " + e + " of " + order.energy());
        }

        // the fold the pruner applies: W2_K' = W2_K + Δ, b2' = b2 + μ_P·W2_P − μ_K·Δ, with Δ = B·W2_P
        double[] w2Removed = new double[dependent * out];
        for (int p = 0; p < dependent; p++) {
            System.arraycopy(w2, removed[p] * out, w2Removed, p * out, out);
        }
        double[] delta = LeastSquares.reconstruction(c, freeColumns, removed, alpha, w2Removed, out);
        double maxError = 0;
        double maxOutput = 0;
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double full = 0;
                for (int j = 0; j < w; j++) {
                    full += x[r * w + j] * w2[j * out + o];
                }
                double pruned = 0;
                for (int k = 0; k < freeColumns.length; k++) {
                    int j = freeColumns[k];
                    pruned += (x[r * w + j] - c.mean(j)) * (w2[j * out + o] + delta[k * out + o]) + c.mean(j) * w2[j * out + o];
                }
                for (int p = 0; p < dependent; p++) {
                    pruned += c.mean(removed[p]) * w2Removed[p * out + o];
                }
                maxError = Math.max(maxError, Math.abs(full - pruned));
                maxOutput = Math.max(maxOutput, Math.abs(full));
            }
        }
        assertTrue(maxError < 1e-5 * maxOutput, "output changed by " + maxError + " (largest output " + maxOutput + ")");
    }

    /**
     * The downdated inverse equals a from-scratch one: after every step the errors so far add up to the least-squares
     * error of removing that whole set, {@code tr(W_Pᵀ (H_PP − H_PK H_KK⁻¹ H_KP) W_P)}, computed anew from H.
     */
    @Test
    void theGreedyDowndateMatchesAFromScratchInverseAtEveryStep() {
        Random rnd = new Random(64);
        int w = 64;
        int out = 12;
        CoMoments c = CoMoments.empty(w).addBatch(gaussian(rnd, 500, w), 500);
        double[] w2 = gaussianWeights(rnd, w, out);
        double alpha = 1e-3;
        for (int chunk : new int[] {1, 4}) {
            ReconstructionOrder.Order order = ReconstructionOrder.compute(c, w2, out, alpha, 48, chunk);
            assertEquals(48, order.neurons().length);
            assertEquals(48, Arrays.stream(order.neurons()).distinct().count(), "each neuron removed once");
            double sum = 0;
            for (int t = 0; t < 48; t++) {
                sum += order.errors()[t];
                if ((t + 1) % chunk == 0) {
                    double scratch = fromScratch(c, w2, out, alpha, Arrays.copyOf(order.neurons(), t + 1));
                    assertEquals(scratch, sum, 1e-9 * scratch, "chunk " + chunk + ", after " + (t + 1) + " removals");
                }
            }
        }
    }

    /** OpenBLAS and the Java kernels give the same order and errors on a seeded 96-wide block, one step and chunks. */
    @Test
    void bothKernelSetsGiveTheSameOrder() {
        Random rnd = new Random(96);
        int w = 96;
        int out = 16;
        CoMoments c = CoMoments.empty(w).addBatch(gaussian(rnd, 800, w), 800);
        double[] w2 = gaussianWeights(rnd, w, out);
        for (int chunk : new int[] {1, 5}) {
            ReconstructionOrder.Order heap = ReconstructionOrder.compute(c, w2, out, 1e-3, 90, chunk, DenseKernels.plainJava());
            ReconstructionOrder.Order blas = ReconstructionOrder.compute(c, w2, out, 1e-3, 90, chunk, DenseKernels.openBlas());
            assertArrayEquals(heap.neurons(), blas.neurons(), "chunk " + chunk);
            assertEquals(heap.energy(), blas.energy(), 1e-9 * heap.energy());
            for (int t = 0; t < 90; t++) {
                assertEquals(heap.errors()[t], blas.errors()[t], 1e-9 * heap.errors()[t], "chunk " + chunk + ", step " + t);
            }
        }
    }

    /** The least-squares error of removing {@code removed}, from a fresh Cholesky solve on the kept block of H. */
    private static double fromScratch(CoMoments c, double[] w2, int out, double alpha, int[] removed) {
        int w = c.width();
        double trace = 0;
        for (int i = 0; i < w; i++) {
            trace += c.covariance(i, i);
        }
        double lambda = alpha * trace / w;
        boolean[] gone = new boolean[w];
        for (int j : removed) {
            gone[j] = true;
        }
        int[] kept = IntStream.range(0, w).filter(j -> !gone[j]).toArray();
        DMatrixRMaj hkk = h(c, kept, kept, lambda);
        DMatrixRMaj hkp = h(c, kept, removed, lambda);
        DMatrixRMaj hpp = h(c, removed, removed, lambda);
        DMatrixRMaj solved = new DMatrixRMaj(kept.length, removed.length);
        assertTrue(CommonOps_DDRM.solve(hkk, hkp, solved));
        DMatrixRMaj schur = hpp.copy();
        CommonOps_DDRM.multAddTransA(-1, hkp, solved, schur);
        DMatrixRMaj wp = new DMatrixRMaj(removed.length, out);
        for (int p = 0; p < removed.length; p++) {
            System.arraycopy(w2, removed[p] * out, wp.data, p * out, out);
        }
        DMatrixRMaj sw = new DMatrixRMaj(removed.length, out);
        CommonOps_DDRM.mult(schur, wp, sw);
        double e = 0;
        for (int i = 0; i < sw.data.length; i++) {
            e += sw.data[i] * wp.data[i];
        }
        return e;
    }

    private static DMatrixRMaj h(CoMoments c, int[] rows, int[] cols, double lambda) {
        DMatrixRMaj m = new DMatrixRMaj(rows.length, cols.length);
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < cols.length; j++) {
                m.set(i, j, c.covariance(rows[i], cols[j]) + (rows[i] == cols[j] ? lambda : 0));
            }
        }
        return m;
    }

    @Test
    void tiesGoToTheLowerIndexAndTheEnergyIsTheOutputsVariance() {
        // four uncorrelated neurons of equal variance and equal fc2 rows: every removal costs the same
        float[] x = new float[4 * 4];
        for (int r = 0; r < 4; r++) {
            x[r * 4 + r] = 2; // rows e_r scaled: the same variance for each neuron, no correlation between them
        }
        CoMoments c = CoMoments.empty(4).addBatch(x, 4);
        double[] w2 = {1, 0, 1, 0, 1, 0, 1, 0};
        ReconstructionOrder.Order order = ReconstructionOrder.compute(c, w2, 2, 1e-3, 3, 1);
        assertArrayEquals(new int[] {0, 1, 2}, order.neurons());
        // tr(W2ᵀ Σ W2) = sum of Σ entries (every row of W2 is (1, 0))
        double energy = 0;
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                energy += c.covariance(i, j);
            }
        }
        assertEquals(energy, order.energy(), 1e-12);
        assertTrue(order.errors()[0] > 0);
    }

    @Test
    void aRankDeficientCovarianceNeedsTheRidge() {
        // neuron 1 duplicates neuron 0: singular without a ridge, fine with one
        Random rnd = new Random(3);
        int rows = 100;
        float[] x = new float[rows * 3];
        for (int r = 0; r < rows; r++) {
            float v = (float) rnd.nextGaussian();
            x[r * 3] = v;
            x[r * 3 + 1] = v;
            x[r * 3 + 2] = (float) rnd.nextGaussian();
        }
        CoMoments c = CoMoments.empty(3).addBatch(x, rows);
        double[] w2 = {1, 1, 1};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReconstructionOrder.compute(c, w2, 1, 0, 1, 1));
        assertTrue(e.getMessage().contains("raise the ridge"), e.getMessage());
        ReconstructionOrder.Order order = ReconstructionOrder.compute(c, w2, 1, 1e-3, 1, 1);
        assertTrue(order.neurons()[0] == 0 || order.neurons()[0] == 1, "one of the twins goes first: " + order.neurons()[0]);
        assertTrue(order.errors()[0] < 1e-2 * order.energy());
    }

    @Test
    void theMonotoneErrorsAreARunningMaximum() {
        ReconstructionOrder.Order o = new ReconstructionOrder.Order(new int[] {4, 2, 9, 1}, new double[] {1, 3, 2, 5}, 10);
        assertArrayEquals(new double[] {1, 3, 3, 5}, o.monotoneErrors());
    }
}
