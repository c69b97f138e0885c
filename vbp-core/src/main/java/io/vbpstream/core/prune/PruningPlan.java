package io.vbpstream.core.prune;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A pruning plan for every MLP block of a model. */
public record PruningPlan(List<BlockPlan> blocks) {

    public Map<String, Integer> keptWidths() {
        Map<String, Integer> m = new LinkedHashMap<>();
        blocks.forEach(b -> m.put(b.block(), b.keptWidth()));
        return m;
    }

    public int removedNeurons() {
        return blocks.stream().mapToInt(b -> b.removed().length).sum();
    }

    public int totalNeurons() {
        return blocks.stream().mapToInt(BlockPlan::width).sum();
    }

    /** Fraction of all hidden neurons removed. */
    public double removedFraction() {
        return (double) removedNeurons() / totalNeurons();
    }
}
