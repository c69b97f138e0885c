package io.vbpstream.core.prune;

import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.linalg.DenseKernels;

import java.nio.DoubleBuffer;
import java.util.stream.IntStream;

/**
 * The order in which {@link Criterion#RECONSTRUCTION} removes a block's neurons: greedy structured Optimal Brain
 * Surgeon on the centred covariance. With {@code H = Σ + λI} ({@code λ = α · mean(diag Σ)} over the whole block, α
 * the ridge of {@link LeastSquares}) over the neurons still
 * kept and fc2's rows {@code w_j} as compensated so far, removing neuron j and refitting the rest by least squares
 * adds {@code ‖w_j‖² / [H⁻¹]_jj} to the expected squared output error. Each step removes the chunk with the lowest
 * such errors jointly (error {@code tr(W_Pᵀ [H⁻¹]_PP⁻¹ W_P)}), compensates the kept rows
 * ({@code W_R -= [H⁻¹]_RP [H⁻¹]_PP⁻¹ W_P}) and downdates the inverse by the Schur complement
 * ({@code [H⁻¹]_RR -= [H⁻¹]_RP [H⁻¹]_PP⁻¹ [H⁻¹]_PR}), which is the inverse of {@code H_RR}. The inverse and
 * the products are {@link DenseKernels}' (OpenBLAS where it loads); only the downdate loop ({@link Downdates}) is
 * ours. The compensation actually applied is the least-squares fold on the final
 * kept set, which these accumulated updates equal but for the ridge: the fold's λ is α times the mean variance of the
 * kept neurons only.
 */
final class ReconstructionOrder {

    /**
     * @param neurons the removed neurons, first removed first
     * @param errors  the output error each removal added (a chunk's joint error shared equally by its neurons)
     * @param energy  the block's output energy {@code tr(W2ᵀ Σ W2)}: what the errors are measured against
     */
    record Order(int[] neurons, double[] errors, double energy) {

        /** The errors made non-decreasing along the order (a running maximum): any prefix is then the cheapest. */
        double[] monotoneErrors() {
            double[] out = errors.clone();
            for (int i = 1; i < out.length; i++) {
                out[i] = Math.max(out[i], out[i - 1]);
            }
            return out;
        }
    }

    private ReconstructionOrder() {
    }

    /**
     * @param w2    fc2's weights, row-major {@code width x out} (one row per hidden neuron)
     * @param alpha the ridge α: {@code λ = α · mean(diag Σ)}
     * @param stop  how many neurons to remove at most (the rest are never ranked)
     * @param chunk neurons removed per step (1: one at a time)
     */
    static Order compute(CoMoments c, double[] w2, int out, double alpha, int stop, int chunk) {
        return compute(c, w2, out, alpha, stop, chunk, DenseKernels.best());
    }

    /** {@link #compute(CoMoments, double[], int, double, int, int)} on the given kernels. */
    static Order compute(CoMoments c, double[] w2, int out, double alpha, int stop, int chunk, DenseKernels kernels) {
        int w = c.width();
        if (c.count() < 2) {
            throw new IllegalArgumentException("the reconstruction criterion needs the covariance of at least 2 samples, have " + c.count());
        }
        if (w2.length != (long) w * out) {
            throw new IllegalArgumentException("fc2 has " + w2.length + " weights, expected " + w + " x " + out);
        }
        if (stop < 0 || stop > w || chunk < 1) {
            throw new IllegalArgumentException("stop must be in [0, " + w + "] and chunk at least 1, got " + stop + ", " + chunk);
        }
        try (DenseKernels.Workspace ws = kernels.workspace()) {
            DoubleBuffer h = ws.allocate(w * w);
            double lambda = LeastSquares.ridged(c, IntStream.range(0, w).toArray(), alpha, h);
            DoubleBuffer weights = ws.allocate(w * out);
            weights.put(0, w2);
            double energy = outputEnergy(kernels, ws, h, weights, w2, w, out, lambda);
            if (!kernels.invertSpd(h, w)) {
                throw new IllegalArgumentException("the covariance is not positive definite (" + w + " neurons, ridge "
                        + lambda + "); raise the ridge α above " + alpha);
            }
            return new Downdates(kernels, ws, h, weights, w, out).run(stop, chunk, energy);
        }
    }

    /** {@code tr(Wᵀ Σ W) = tr(Wᵀ H W) − λ‖W‖²}: the expected squared norm of the block's centred output. */
    private static double outputEnergy(DenseKernels kernels, DenseKernels.Workspace ws, DoubleBuffer h,
                                       DoubleBuffer weights, double[] w2, int w, int out, double lambda) {
        DoubleBuffer hw = ws.allocate(w * out);
        kernels.gemm(false, false, w, out, w, 1, h, 0, w, weights, 0, out, 0, hw, 0, out);
        double energy = 0;
        double norm = 0;
        for (int i = 0; i < w * out; i++) {
            energy += hw.get(i) * w2[i];
            norm += w2[i] * w2[i];
        }
        return energy - lambda * norm;
    }

    /**
     * The score with its last 16 mantissa bits cleared (a relative 1e-11): errors equal but for rounding in the
     * inverse then tie exactly, and ties go to the lower neuron index.
     */
    static double tieRounded(double score) {
        return Double.longBitsToDouble(Double.doubleToRawLongBits(score) & ~0xFFFFL);
    }
}
