package io.vbpstream.core.prune;

import java.util.Arrays;
import java.util.Locale;

/** What stands in for the removed neurons' contribution to fc2's output. Ids: {@code none}, {@code mean}, {@code least-squares}. */
public enum Compensation {
    /** Nothing: the removed neurons' output is dropped (ablation). */
    NONE,
    /** The paper's mean shift: {@code b2' = b2 + sum over removed j of mean_j * W2[j,:]}. */
    MEAN,
    /**
     * The removed neurons reconstructed linearly from the kept ones, from the activation covariance Σ:
     * {@code B = (Σ_KK + λI)⁻¹ Σ_KP}, {@code W2_K' = W2_K + B·W2_P}, {@code b2' = b2 + μ_P·W2_P − μ_K·B·W2_P}.
     * Needs the co-moment matrices ({@code vbp stats --covariance}, or the streamed ones).
     */
    LEAST_SQUARES;

    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The compensation used when a prune names none (the REST body and {@code vbp prune}; the pruner's configured
     * policy has its own default): least squares if co-moments are available for every block, else mean.
     *
     * @param haveCoMoments whether every block to prune has a co-moment matrix
     */
    public static Compensation defaultFor(boolean haveCoMoments) {
        return haveCoMoments ? LEAST_SQUARES : MEAN;
    }

    public static Compensation parse(String s) {
        return Arrays.stream(values()).filter(c -> c.id().equals(s.toLowerCase(Locale.ROOT))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown compensation '" + s + "'; use one of "
                        + Arrays.stream(values()).map(Compensation::id).toList()));
    }

    @Override
    public String toString() {
        return id();
    }
}
