package io.vbpstream.core.prune;

/**
 * Everything that decides a pruning plan.
 *
 * @param minKeepFraction every block keeps at least {@code max(1, ceil(minKeepFraction * width))} neurons
 * @param seed            seed for the random criterion
 * @param widthMultiple   kept widths are rounded down to a multiple of this (1: no rounding); matrix kernels run
 *                        fastest on widths that are multiples of their tile size, e.g. 64
 * @param ridge           α of {@link Compensation#LEAST_SQUARES}: the ridge is {@code α · mean(diag Σ_KK)}
 */
public record PruningPolicy(Criterion criterion, Allocation allocation, PruningTarget target, Compensation compensation,
                            double minKeepFraction, long seed, int widthMultiple, double ridge) {

    // Each default once, as text for annotations (CLI options, configuration defaults) and typed for code (REST).

    /** The offline CLI's default criterion as text: variance, the paper's (the CLI picks compensation by the file). */
    public static final String DEFAULT_CRITERION_TEXT = "variance";
    public static final Criterion DEFAULT_CRITERION = Criterion.parse(DEFAULT_CRITERION_TEXT);
    /** The default allocation as text. */
    public static final String DEFAULT_ALLOCATION_TEXT = "uniform";
    public static final Allocation DEFAULT_ALLOCATION = Allocation.parse(DEFAULT_ALLOCATION_TEXT);
    /** The default width multiple as text: 1, no rounding. */
    public static final String DEFAULT_WIDTH_MULTIPLE_TEXT = "1";
    public static final int DEFAULT_WIDTH_MULTIPLE = Integer.parseInt(DEFAULT_WIDTH_MULTIPLE_TEXT);
    /** The default seed of the random criterion as text. */
    public static final String DEFAULT_SEED_TEXT = "0";
    public static final long DEFAULT_SEED = Long.parseLong(DEFAULT_SEED_TEXT);
    /** The default min-keep fraction as text. */
    public static final String MIN_KEEP_TEXT = "0.02";
    public static final double DEFAULT_MIN_KEEP = Double.parseDouble(MIN_KEEP_TEXT);
    /** The default ridge α as text: α from 0 to 1e-3 gave the same accuracy on fmnist-vit, α ≥ 0.1 hurt (docs/RESULTS.md). */
    public static final String RIDGE_TEXT = "1e-3";
    public static final double DEFAULT_RIDGE = Double.parseDouble(RIDGE_TEXT);

    /**
     * The pruner's default criterion for a compensation: reconstruction with least squares (the most accurate row at
     * every ratio in docs/RESULTS.md), which it requires; variance, the paper's, with the mean shift or none.
     */
    public static Criterion defaultCriterion(Compensation compensation) {
        return compensation == Compensation.LEAST_SQUARES ? Criterion.RECONSTRUCTION : DEFAULT_CRITERION;
    }

    public PruningPolicy {
        if (!(ridge >= 0) || Double.isInfinite(ridge)) {
            throw new IllegalArgumentException("ridge must be finite and at least 0, got " + ridge);
        }
        if (!(minKeepFraction >= 0 && minKeepFraction <= 1)) {
            throw new IllegalArgumentException("min-keep fraction must be in [0, 1], got " + minKeepFraction);
        }
        if (criterion == Criterion.RECONSTRUCTION && compensation != Compensation.LEAST_SQUARES) {
            throw new IllegalArgumentException("the reconstruction criterion ranks neurons by the error left after "
                    + "least-squares compensation; use it with compensation least-squares, not " + compensation);
        }
        if (widthMultiple < 1) {
            throw new IllegalArgumentException("width multiple must be at least 1, got " + widthMultiple);
        }
    }

    public PruningPolicy(Criterion criterion, Allocation allocation, PruningTarget target, Compensation compensation,
                         double minKeepFraction, long seed, int widthMultiple) {
        this(criterion, allocation, target, compensation, minKeepFraction, seed, widthMultiple, DEFAULT_RIDGE);
    }

    public PruningPolicy(Criterion criterion, Allocation allocation, PruningTarget target, Compensation compensation,
                         double minKeepFraction, long seed) {
        this(criterion, allocation, target, compensation, minKeepFraction, seed, DEFAULT_WIDTH_MULTIPLE);
    }

    public static PruningPolicy of(Criterion criterion, Allocation allocation, PruningTarget target, Compensation compensation) {
        return new PruningPolicy(criterion, allocation, target, compensation, DEFAULT_MIN_KEEP, DEFAULT_SEED,
                DEFAULT_WIDTH_MULTIPLE);
    }

    public PruningPolicy withWidthMultiple(int m) {
        return new PruningPolicy(criterion, allocation, target, compensation, minKeepFraction, seed, m, ridge);
    }

    public PruningPolicy withCriterion(Criterion c) {
        return new PruningPolicy(c, allocation, target, compensation, minKeepFraction, seed, widthMultiple, ridge);
    }

    public PruningPolicy withRidge(double alpha) {
        return new PruningPolicy(criterion, allocation, target, compensation, minKeepFraction, seed, widthMultiple, alpha);
    }
}
