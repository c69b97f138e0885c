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
    }

    public int keptWidth() {
        return kept.length;
    }
}
