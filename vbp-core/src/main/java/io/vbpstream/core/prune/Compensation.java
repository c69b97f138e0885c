package io.vbpstream.core.prune;

import java.util.Arrays;
import java.util.Locale;

/** What stands in for the removed neurons' contribution to fc2's output. */
public enum Compensation {
    /** Nothing: the removed neurons' output is dropped (ablation). */
    NONE,
    /** The paper's mean shift: {@code b2' = b2 + sum over removed j of mean_j * W2[j,:]}. */
    MEAN;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
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
