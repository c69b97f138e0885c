package io.vbpstream.core.prune;

/** Which hidden neurons of one block are kept and which removed; both sorted ascending. */
public record BlockPlan(String block, int width, int[] kept, int[] removed) {

    public BlockPlan {
        if (kept.length + removed.length != width) {
            throw new IllegalArgumentException("kept + removed != width for " + block);
        }
        if (kept.length == 0) {
            throw new IllegalArgumentException("plan would empty block " + block);
        }
        boolean[] seen = new boolean[width];
        for (int[] set : new int[][] {kept, removed}) {
            for (int i = 0; i < set.length; i++) {
                int j = set[i];
                if (j < 0 || j >= width || seen[j] || (i > 0 && set[i - 1] >= j)) {
                    throw new IllegalArgumentException("plan for " + block + ": neuron indices must be sorted, distinct "
                            + "and within [0, " + width + "), found " + j);
                }
                seen[j] = true;
            }
        }
    }

    public int keptWidth() {
        return kept.length;
    }
}
