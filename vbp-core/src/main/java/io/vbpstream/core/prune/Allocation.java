package io.vbpstream.core.prune;

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

    @Override
    public String toString() {
        return id();
    }
}
