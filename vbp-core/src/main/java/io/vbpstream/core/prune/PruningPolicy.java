package io.vbpstream.core.prune;

/**
 * Everything that decides a pruning plan.
 *
 * @param minKeepFraction every block keeps at least {@code max(1, ceil(minKeepFraction * width))} neurons
 * @param seed            seed for the random criterion
 */
public record PruningPolicy(Criterion criterion, Allocation allocation, PruningTarget target, Compensation compensation,
                            double minKeepFraction, long seed) {

    public static final double DEFAULT_MIN_KEEP = 0.02;

    public PruningPolicy {
        if (!(minKeepFraction >= 0 && minKeepFraction <= 1)) {
            throw new IllegalArgumentException("min-keep fraction must be in [0, 1], got " + minKeepFraction);
        }
    }

    public static PruningPolicy of(Criterion criterion, Allocation allocation, PruningTarget target, Compensation compensation) {
        return new PruningPolicy(criterion, allocation, target, compensation, DEFAULT_MIN_KEEP, 0);
    }

    public PruningPolicy withSeed(long s) {
        return new PruningPolicy(criterion, allocation, target, compensation, minKeepFraction, s);
    }
}
