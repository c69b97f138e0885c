package io.vbpstream.core.prune;

/** How much to prune: a fraction of MLP hidden neurons, or a fraction of the whole model's MACs. */
public sealed interface PruningTarget {

    /** Remove this fraction of hidden neurons, in [0, 1). */
    record NeuronRatio(double ratio) implements PruningTarget {
        public NeuronRatio {
            if (!(ratio >= 0 && ratio < 1)) {
                throw new IllegalArgumentException("ratio must be in [0, 1), got " + ratio);
            }
        }
    }

    /** Remove the fewest neurons that cut the whole model's MACs by at least this fraction, in (0, 1). */
    record MacsReduction(double fraction) implements PruningTarget {
        public MacsReduction {
            if (!(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException("MACs reduction must be in (0, 1), got " + fraction);
            }
        }
    }
}
