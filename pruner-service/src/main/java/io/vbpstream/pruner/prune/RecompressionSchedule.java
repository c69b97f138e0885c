package io.vbpstream.pruner.prune;

import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.prune.PruningTarget;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.pruner.PrunerConfig;

import java.util.Optional;

/**
 * Continuous recompression's schedule from the {@code vbp.pruner.policy.*} settings: the policy of the next step from
 * a version (steps of {@code step} of the base's MACs up to {@code final-target}), and the policy whose plans
 * convergence compares. Pure: no state, no I/O.
 */
public final class RecompressionSchedule {

    private RecompressionSchedule() {
    }

    /**
     * Why the policy settings cannot make a policy (the reconstruction criterion without least squares, say), or null:
     * checked at start-up, so a combination that could never prune stops the service instead of failing every check.
     */
    public static String invalid(PrunerConfig.Policy p) {
        try {
            policy(p, p.step());
            return null;
        } catch (IllegalArgumentException e) {
            return "the pruning policy settings vbp.pruner.policy.* do not make a policy: " + e.getMessage();
        }
    }

    /**
     * The policy of the next step from {@code parent} (whose model costs {@code parentMacs}), or empty once the final
     * target is reached: cumulative MACs reduction (of the base) {@code min(final, (generation + 1) * step)}.
     */
    public static Optional<PruningPolicy> nextStep(PrunerConfig.Policy p, ModelVersion parent, long parentMacs) {
        long baseMacs = parent.pruning() == null ? parentMacs : parent.pruning().baseMacs();
        double done = 1.0 - (double) parentMacs / baseMacs;
        double target = Math.min(p.finalTarget(), (parent.generation() + 1) * p.step());
        if (target <= done + 1e-3) {
            return Optional.empty();
        }
        // rounded so the policy in the record is the number a person would type (0.1, not 0.09999999999999998)
        double fromParent = Math.round((1.0 - baseMacs * (1.0 - target) / parentMacs) * 1e9) / 1e9;
        return Optional.of(policy(p, fromParent));
    }

    /** The configured criterion, or {@link PruningPolicy#defaultCriterion} for the configured compensation. */
    public static Criterion criterion(PrunerConfig.Policy p) {
        return p.criterion().orElseGet(() -> PruningPolicy.defaultCriterion(p.compensation()));
    }

    /** The policy whose plans convergence compares between snapshots: {@code policy}, or variance for reconstruction. */
    public static PruningPolicy convergencePolicy(PruningPolicy policy) {
        return policy.criterion() == Criterion.RECONSTRUCTION ? policy.withCriterion(Criterion.VARIANCE) : policy;
    }

    private static PruningPolicy policy(PrunerConfig.Policy p, double macsReduction) {
        return new PruningPolicy(criterion(p), p.allocation(), new PruningTarget.MacsReduction(macsReduction),
                p.compensation(), p.minKeepFraction(), PruningPolicy.DEFAULT_SEED, p.widthMultiple(), p.ridgeAlpha());
    }
}
