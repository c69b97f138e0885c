package io.vbpstream.core.prune;

import java.util.Arrays;
import java.util.Locale;

/** How the pruning budget is spread over blocks. */
public enum Allocation {
    /** The same fraction of neurons in every block. */
    UNIFORM,
    /** Per-block z-scores ranked across all blocks (FLAP), with a minimum number kept per block. */
    GLOBAL;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Allocation parse(String s) {
        return Arrays.stream(values()).filter(a -> a.id().equals(s.toLowerCase(Locale.ROOT))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("allocation must be 'uniform' or 'global', got '" + s + "'"));
    }

    @Override
    public String toString() {
        return id();
    }
}
