package io.vbpstream.core.prune;

import io.vbpstream.core.stats.CoMoments;

/**
 * How much the part of a block's covariance that least-squares compensation uses moved between two snapshots: the
 * relative Frobenius change of the kept-removed block, {@code ||Σ_KP − Σ'_KP||_F / ||Σ_KP||_F} with {@code Σ = C/n}
 * and K, P from the current plan; or, for the reconstruction criterion (whose order and fold use all of Σ), of every
 * off-diagonal entry.
 */
public final class CovarianceChange {

    private CovarianceChange() {
    }

    public static double relative(CoMoments now, CoMoments before, BlockPlan plan) {
        double[] sums = new double[2];
        for (int i : plan.kept()) {
            for (int j : plan.removed()) {
                add(now, before, i, j, sums);
            }
        }
        return ratio(sums[0], sums[1]);
    }

    /** {@code ||offdiag(Σ − Σ')||_F / ||offdiag(Σ)||_F}: every pair of neurons once. */
    public static double relativeOffDiagonal(CoMoments now, CoMoments before) {
        double[] sums = new double[2];
        for (int i = 0; i < now.width(); i++) {
            for (int j = i + 1; j < now.width(); j++) {
                add(now, before, i, j, sums);
            }
        }
        return ratio(sums[0], sums[1]);
    }

    private static void add(CoMoments now, CoMoments before, int i, int j, double[] sums) {
        double a = now.coMoment(i, j) / now.count();
        double b = before.coMoment(i, j) / before.count();
        sums[0] += (a - b) * (a - b);
        sums[1] += a * a;
    }

    private static double ratio(double diff, double norm) {
        if (norm == 0) {
            return diff == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.sqrt(diff / norm);
    }
}
