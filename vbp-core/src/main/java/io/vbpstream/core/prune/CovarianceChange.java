package io.vbpstream.core.prune;

import io.vbpstream.core.stats.CoMoments;

/**
 * How much the part of a block's covariance that least-squares compensation uses moved between two snapshots: the
 * relative Frobenius change of the kept-removed block, {@code ||Σ_KP − Σ'_KP||_F / ||Σ_KP||_F} with {@code Σ = C/n}
 * and K, P from the current plan.
 */
public final class CovarianceChange {

    private CovarianceChange() {
    }

    public static double relative(CoMoments now, CoMoments before, BlockPlan plan) {
        double n = now.count();
        double m = before.count();
        double diff = 0;
        double norm = 0;
        for (int i : plan.kept()) {
            for (int j : plan.removed()) {
                double a = now.coMoment(i, j) / n;
                double b = before.coMoment(i, j) / m;
                diff += (a - b) * (a - b);
                norm += a * a;
            }
        }
        if (norm == 0) {
            return diff == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.sqrt(diff / norm);
    }
}
