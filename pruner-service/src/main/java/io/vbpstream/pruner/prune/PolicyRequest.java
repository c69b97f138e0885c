package io.vbpstream.pruner.prune;

import io.vbpstream.core.prune.Allocation;
import io.vbpstream.core.prune.Compensation;
import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.prune.PruningTarget;

import java.util.Optional;

/**
 * A pruning policy as a request body or configuration: exactly one of {@code ratio} (fraction of hidden neurons
 * removed) and {@code macsReduction} (fraction of the model's MACs removed), both in (0, 1). Without a
 * {@code compensation}, {@link #withDefaultCompensation} picks one by {@link Compensation#defaultFor} (least squares
 * where covariance is available, else mean); {@link #toPolicy()} alone, knowing nothing of the covariance, takes mean.
 * Without a {@code criterion}, the configured one ({@link #withDefaultCriterion}), else
 * {@link PruningPolicy#defaultCriterion}: reconstruction with least squares, variance otherwise. The other fields left out take {@link PruningPolicy}'s defaults.
 * {@link #toPolicy()} throws {@link IllegalArgumentException} with a message a person can act on.
 */
public record PolicyRequest(String criterion, String allocation, String compensation, Double ratio, Double macsReduction,
                            Double minKeepFraction, Integer widthMultiple, Double ridgeAlpha) {

    public PolicyRequest(String criterion, String allocation, String compensation, Double ratio, Double macsReduction,
                         Double minKeepFraction, Integer widthMultiple) {
        this(criterion, allocation, compensation, ratio, macsReduction, minKeepFraction, widthMultiple, null);
    }

    /** This request, with {@link Compensation#defaultFor} filled in if it names no compensation. */
    public PolicyRequest withDefaultCompensation(boolean covarianceAvailable) {
        return compensation != null ? this : new PolicyRequest(criterion, allocation,
                Compensation.defaultFor(covarianceAvailable).id(), ratio, macsReduction, minKeepFraction, widthMultiple,
                ridgeAlpha);
    }

    /** This request, with the configured criterion filled in if it names none and one is configured. */
    public PolicyRequest withDefaultCriterion(Optional<Criterion> configured) {
        return criterion != null || configured.isEmpty() ? this : new PolicyRequest(configured.get().id(), allocation,
                compensation, ratio, macsReduction, minKeepFraction, widthMultiple, ridgeAlpha);
    }

    public PruningPolicy toPolicy() {
        if ((ratio == null) == (macsReduction == null)) {
            throw new IllegalArgumentException("give exactly one of 'ratio' and 'macsReduction'");
        }
        double t = ratio != null ? ratio : macsReduction;
        if (!(t > 0 && t < 1)) {
            throw new IllegalArgumentException((ratio != null ? "ratio" : "macsReduction") + " must be in (0, 1), got " + t);
        }
        PruningTarget target = ratio != null ? new PruningTarget.NeuronRatio(ratio) : new PruningTarget.MacsReduction(macsReduction);
        Compensation comp = compensation == null ? Compensation.defaultFor(false) : Compensation.parse(compensation);
        return new PruningPolicy(criterion == null ? PruningPolicy.defaultCriterion(comp) : Criterion.parse(criterion),
                allocation == null ? PruningPolicy.DEFAULT_ALLOCATION : Allocation.parse(allocation), target, comp,
                minKeepFraction == null ? PruningPolicy.DEFAULT_MIN_KEEP : minKeepFraction, PruningPolicy.DEFAULT_SEED,
                widthMultiple == null ? PruningPolicy.DEFAULT_WIDTH_MULTIPLE : widthMultiple,
                ridgeAlpha == null ? PruningPolicy.DEFAULT_RIDGE : ridgeAlpha);
    }
}
