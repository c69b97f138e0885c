package io.vbpstream.core.prune;

/**
 * Everything that decides a pruning plan.
 *
 * @param minKeepFraction every block keeps at least {@code max(1, ceil(minKeepFraction * width))} neurons
 * @param seed            seed for the random criterion
 * @param widthMultiple   kept widths are rounded down to a multiple of this (1: no rounding); matrix kernels run
 *                        fastest on widths that are multiples of their tile size, e.g. 64
 */
public record PruningPolicy(Criterion criterion, Allocation allocation, PruningTarget target, Compensation compensation,
                            double minKeepFraction, long seed, int widthMultiple) {

    public static final double DEFAULT_MIN_KEEP = 0.02;

    public PruningPolicy {
        if (!(minKeepFraction >= 0 && minKeepFraction <= 1)) {
            throw new IllegalArgumentException("min-keep fraction must be in [0, 1], got " + minKeepFraction);
        }
        if (widthMultiple < 1) {
            throw new IllegalArgumentException("width multiple must be at least 1, got " + widthMultiple);
        }
    }

    public PruningPolicy(Criterion criterion, Allocation allocation, PruningTarget target, Compensation compensation,
                         double minKeepFraction, long seed) {
        this(criterion, allocation, target, compensation, minKeepFraction, seed, 1);
    }

    public static PruningPolicy of(Criterion criterion, Allocation allocation, PruningTarget target, Compensation compensation) {
        return new PruningPolicy(criterion, allocation, target, compensation, DEFAULT_MIN_KEEP, 0, 1);
    }

    public PruningPolicy withWidthMultiple(int m) {
        return new PruningPolicy(criterion, allocation, target, compensation, minKeepFraction, seed, m);
    }
}
