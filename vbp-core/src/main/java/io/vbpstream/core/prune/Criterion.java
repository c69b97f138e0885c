package io.vbpstream.core.prune;

import java.util.Arrays;
import java.util.Locale;

/** How hidden neurons are scored; the lowest scores are pruned first. */
public enum Criterion {
    /** Post-activation variance (the VBP paper). */
    VARIANCE("variance", true),
    /** Variance times the squared L2 norm of the neuron's fc2 row (FLAP's fluctuation metric). */
    WEIGHTED_VARIANCE("weighted-variance", true),
    /** L2 norm of the neuron's fc1 column. */
    MAGNITUDE("magnitude", false),
    /** Uniform random scores from a seeded generator: the control. */
    RANDOM("random", false),
    /**
     * Not a score but an order: neurons removed greedily by the output error they leave after least-squares
     * compensation of the rest (structured Optimal Brain Surgeon on the covariance, {@code ReconstructionOrder}).
     * Needs the covariance and {@link Compensation#LEAST_SQUARES}.
     */
    RECONSTRUCTION("reconstruction", true);

    private final String id;
    private final boolean needsStatistics;

    Criterion(String id, boolean needsStatistics) {
        this.id = id;
        this.needsStatistics = needsStatistics;
    }

    public String id() {
        return id;
    }

    public boolean needsStatistics() {
        return needsStatistics;
    }

    /** Whether the criterion itself needs the activation covariance (not only the compensation). */
    public boolean needsCovariance() {
        return this == RECONSTRUCTION;
    }

    public static Criterion parse(String s) {
        return Arrays.stream(values())
                .filter(c -> c.id.equals(s.toLowerCase(Locale.ROOT)) || c.name().equalsIgnoreCase(s))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown criterion '" + s + "'; use one of "
                        + Arrays.stream(values()).map(Criterion::id).toList()));
    }

    @Override
    public String toString() {
        return id;
    }
}
