package io.vbpstream.core.prune;

import io.vbpstream.core.stats.CoMoments;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * The linear reconstruction of removed neurons P from kept neurons K that minimises the expected squared error,
 * {@code B = (Σ_KK + λI)⁻¹ Σ_KP} with the ridge {@code λ = α · mean(diag Σ_KK)}, solved by Cholesky factorisation
 * (EJML). Only {@code B·W2_P} is ever needed, so it is computed as {@code (Σ_KK + λI)⁻¹ (Σ_KP·W2_P)}: the solve then
 * has fc2's output width of right-hand sides instead of |P|.
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
        DMatrixRMaj a = new DMatrixRMaj(k, k);
        double trace = 0;
        for (int i = 0; i < k; i++) {
            for (int j = i; j < k; j++) {
                double v = c.covariance(kept[i], kept[j]);
                a.unsafe_set(i, j, v);
                a.unsafe_set(j, i, v);
            }
            trace += a.unsafe_get(i, i);
        }
        double lambda = alpha * trace / k;
        for (int i = 0; i < k; i++) {
            a.unsafe_set(i, i, a.unsafe_get(i, i) + lambda);
        }
        DMatrixRMaj kp = new DMatrixRMaj(k, p);
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < p; j++) {
                kp.unsafe_set(i, j, c.covariance(kept[i], removed[j]));
            }
        }
        DMatrixRMaj rhs = new DMatrixRMaj(k, out);
        CommonOps_DDRM.mult(kp, DMatrixRMaj.wrap(p, out, w2Removed), rhs);
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.chol(k);
        if (!solver.setA(a)) {
            throw new IllegalArgumentException("the kept neurons' covariance is not positive definite (" + k
                    + " neurons, ridge " + lambda + "); raise the ridge α above " + alpha);
        }
        DMatrixRMaj delta = new DMatrixRMaj(k, out);
        solver.solve(rhs, delta);
        return delta.data;
    }
}
