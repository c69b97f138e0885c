package io.vbpstream.core.prune;

import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.linalg.DenseKernels;

import java.nio.DoubleBuffer;

/**
 * The linear reconstruction of removed neurons P from kept neurons K that minimises the expected squared error,
 * {@code B = (Σ_KK + λI)⁻¹ Σ_KP} with the ridge {@code λ = α · mean(diag Σ_KK)}, solved by Cholesky factorisation
 * ({@link DenseKernels}: OpenBLAS's LAPACK where it loads, else EJML). Only {@code B·W2_P} is ever needed, so it
 * is computed as {@code (Σ_KK + λI)⁻¹ (Σ_KP·W2_P)}: the solve then has fc2's output width of right-hand sides
 * instead of |P|.
 */
final class LeastSquares {

    private LeastSquares() {
    }

    /**
     * {@code B·W2_P}, row-major {@code |K| x out}.
     *
     * @param w2Removed fc2's weight rows of the removed neurons, row-major {@code |P| x out}
     */
    static double[] reconstruction(CoMoments c, int[] kept, int[] removed, double alpha, double[] w2Removed, int out) {
        int k = kept.length;
        int p = removed.length;
        if (c.count() < 2) {
            throw new IllegalArgumentException("least squares needs the covariance of at least 2 samples, have " + c.count());
        }
        DenseKernels kernels = DenseKernels.best();
        try (DenseKernels.Workspace ws = kernels.workspace()) {
            DoubleBuffer a = ws.allocate(k * k);
            double lambda = ridged(c, kept, alpha, a);
            DoubleBuffer kp = ws.allocate(k * p);
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < p; j++) {
                    kp.put(i * p + j, c.covariance(kept[i], removed[j]));
                }
            }
            DoubleBuffer wp = ws.allocate(p * out);
            wp.put(0, w2Removed, 0, p * out);
            DoubleBuffer rhs = ws.allocate(k * out);
            kernels.gemm(false, false, k, out, p, 1, kp, 0, p, wp, 0, out, 0, rhs, 0, out);
            if (!kernels.solveSpd(a, k, rhs, out)) {
                throw new IllegalArgumentException("the kept neurons' covariance is not positive definite (" + k
                        + " neurons, ridge " + lambda + "); raise the ridge α above " + alpha);
            }
            double[] delta = new double[k * out];
            rhs.get(0, delta);
            return delta;
        }
    }

    /**
     * {@code Σ_SS + λI} over the neurons {@code s}, row-major with both triangles, into {@code into}
     * ({@code |S| x |S|}); returns the ridge {@code λ = α · mean(diag Σ_SS)}.
     */
    static double ridged(CoMoments c, int[] s, double alpha, DoubleBuffer into) {
        int k = s.length;
        double trace = 0;
        for (int i = 0; i < k; i++) {
            for (int j = i; j < k; j++) {
                double v = c.covariance(s[i], s[j]);
                into.put(i * k + j, v);
                into.put(j * k + i, v);
            }
            trace += into.get(i * k + i);
        }
        double lambda = alpha * trace / k;
        for (int i = 0; i < k; i++) {
            into.put(i * k + i, into.get(i * k + i) + lambda);
        }
        return lambda;
    }
}
