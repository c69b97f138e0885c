package io.vbpstream.core.prune;

import io.vbpstream.core.linalg.DenseKernels;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

import java.nio.DoubleBuffer;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * {@link ReconstructionOrder}'s greedy loop, in place. The neurons still kept occupy the first {@code r} rows and
 * columns of the {@code n x n} inverse and the first {@code r} rows of the weights: each step swaps its chunk to
 * positions {@code r-k..r-1} (a symmetric permutation, O(r) per neuron), so {@code [H⁻¹]_RP} and the block to
 * downdate are sub-blocks addressed by offset and leading dimension, updated by two products and never copied.
 */
final class Downdates {

    private final DenseKernels kernels;
    private final DenseKernels.Workspace workspace;
    private final DoubleBuffer inverse;
    private final DoubleBuffer weights;
    private final int n;
    private final int out;
    /** {@code neuron[pos]}: the neuron at position {@code pos}. */
    private final int[] neuron;
    private int r;

    /**
     * @param inverse   H⁻¹ of all {@code n} neurons, both triangles; it and the weights ({@code n x out}) are consumed
     * @param workspace where the loop's own buffers come from (the caller closes it)
     */
    Downdates(DenseKernels kernels, DenseKernels.Workspace workspace, DoubleBuffer inverse, DoubleBuffer weights, int n,
              int out) {
        this.kernels = kernels;
        this.workspace = workspace;
        this.inverse = inverse;
        this.weights = weights;
        this.n = n;
        this.out = out;
        this.neuron = IntStream.range(0, n).toArray();
        this.r = n;
    }

    ReconstructionOrder.Order run(int stop, int chunk, double energy) {
        int[] removed = new int[stop];
        double[] errors = new double[stop];
        int most = Math.max(1, Math.min(chunk, stop));
        DoubleBuffer rp = workspace.allocate(n * most);
        DoubleBuffer gain = workspace.allocate(n * most);
        DoubleBuffer ppInv = workspace.allocate(most * most);
        DoubleBuffer wp = workspace.allocate(most * out);
        int done = 0;
        while (done < stop) {
            int k = Math.min(chunk, stop - done);
            int[] p = cheapest(k); // in score order: a prefix of the order is then the chunk's cheapest neurons
            for (int q = 0; q < k; q++) {
                removed[done + q] = neuron[p[q]];
            }
            toTail(p);
            int kept = r - k;
            double joint = invertChunk(kept, k, ppInv, wp);
            for (int q = 0; q < k; q++) {
                errors[done + q] = joint / k;
            }
            done += k;
            if (done == stop) {
                break;
            }
            for (int i = 0; i < kept; i++) {
                for (int q = 0; q < k; q++) {
                    rp.put(i * k + q, inverse.get(i * n + kept + q));
                }
            }
            kernels.gemm(false, false, kept, k, k, 1, rp, 0, k, ppInv, 0, k, 0, gain, 0, k);
            // W_R -= [H⁻¹]_RP [H⁻¹]_PP⁻¹ W_P;  [H⁻¹]_RR -= [H⁻¹]_RP [H⁻¹]_PP⁻¹ [H⁻¹]_PR
            kernels.gemm(false, false, kept, out, k, -1, gain, 0, k, wp, 0, out, 1, weights, 0, out);
            kernels.gemm(false, true, kept, kept, k, -1, gain, 0, k, rp, 0, k, 1, inverse, 0, n);
            r = kept;
        }
        return new ReconstructionOrder.Order(removed, errors, energy);
    }

    /** The positions of the {@code k} kept neurons whose removal costs least, lowest first (ties: lower neuron). */
    private int[] cheapest(int k) {
        double[] score = new double[r];
        for (int i = 0; i < r; i++) {
            double norm = 0;
            int base = i * out;
            for (int o = 0; o < out; o++) {
                double x = weights.get(base + o);
                norm += x * x;
            }
            score[i] = ReconstructionOrder.tieRounded(norm / inverse.get(i * n + i));
        }
        Integer[] byScore = IntStream.range(0, r).boxed().toArray(Integer[]::new);
        Arrays.sort(byScore, Comparator.comparingDouble((Integer i) -> score[i]).thenComparingInt(i -> neuron[i]));
        int[] p = new int[k];
        for (int q = 0; q < k; q++) {
            p[q] = byScore[q];
        }
        return p;
    }

    /** Moves the chosen positions to {@code r-k..r-1}, swapping each one in front with a not-chosen one behind. */
    private void toTail(int[] chosen) {
        int k = chosen.length;
        boolean[] isChosen = new boolean[r];
        for (int pos : chosen) {
            isChosen[pos] = true;
        }
        int free = r - k; // scans the tail for a position not chosen
        for (int pos : chosen) {
            if (pos >= r - k) {
                continue;
            }
            while (isChosen[free]) {
                free++;
            }
            swap(pos, free);
            isChosen[free] = true;
            isChosen[pos] = false;
        }
    }

    /** Swaps positions a and b: rows and columns of the inverse (within the kept range), rows of the weights. */
    private void swap(int a, int b) {
        for (int j = 0; j < r; j++) {
            exchange(inverse, a * n + j, b * n + j);
        }
        for (int i = 0; i < r; i++) {
            exchange(inverse, i * n + a, i * n + b);
        }
        for (int o = 0; o < out; o++) {
            exchange(weights, a * out + o, b * out + o);
        }
        int t = neuron[a];
        neuron[a] = neuron[b];
        neuron[b] = t;
    }

    private static void exchange(DoubleBuffer m, int i, int j) {
        double t = m.get(i);
        m.put(i, m.get(j));
        m.put(j, t);
    }

    /**
     * {@code [H⁻¹]_PP⁻¹} of the chunk at positions {@code kept..kept+k-1} into {@code ppInv} and its weight rows into
     * {@code wp}; returns the chunk's joint error {@code tr(W_Pᵀ [H⁻¹]_PP⁻¹ W_P)}.
     */
    private double invertChunk(int kept, int k, DoubleBuffer ppInv, DoubleBuffer wp) {
        DMatrixRMaj pp = new DMatrixRMaj(k, k);
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                pp.unsafe_set(i, j, inverse.get((kept + i) * n + kept + j));
            }
        }
        DMatrixRMaj inv = new DMatrixRMaj(k, k);
        LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.chol(k);
        if (!chol.setA(pp)) {
            throw new IllegalStateException("the downdated inverse lost positive definiteness; raise the ridge α");
        }
        chol.invert(inv);
        DMatrixRMaj w = new DMatrixRMaj(k, out);
        for (int i = 0; i < k * out; i++) {
            w.data[i] = weights.get(kept * out + i);
        }
        DMatrixRMaj invW = new DMatrixRMaj(k, out);
        CommonOps_DDRM.mult(inv, w, invW);
        double joint = 0;
        for (int i = 0; i < w.data.length; i++) {
            joint += w.data[i] * invW.data[i];
        }
        ppInv.put(0, inv.data, 0, k * k);
        wp.put(0, w.data, 0, k * out);
        return joint;
    }
}
