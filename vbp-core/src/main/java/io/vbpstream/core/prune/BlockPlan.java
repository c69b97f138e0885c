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

    /** Jaccard overlap of the kept sets: |A ∩ B| / |A ∪ B| (both sorted, so one merge pass). */
    public double jaccard(BlockPlan other) {
        int[] a = kept;
        int[] b = other.kept;
        int i = 0;
        int j = 0;
        int inter = 0;
        while (i < a.length && j < b.length) {
            if (a[i] == b[j]) {
                inter++;
                i++;
                j++;
            } else if (a[i] < b[j]) {
                i++;
            } else {
                j++;
            }
        }
        return (double) inter / (a.length + b.length - inter);
    }
}
