package io.vbpstream.collector.pipeline;

/**
 * Chooses which transaction windows compute co-moments: a fraction {@code rate} of them, spread evenly and
 * deterministically (window {@code i} is sampled when {@code floor(i·rate)} steps up, so the first one is).
 */
public final class WindowSampler {

    private final double rate;
    private long windows;

    /** @param rate in [0, 1]; 0 never samples */
    public WindowSampler(double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("the co-moments sample rate must be in [0, 1], got " + rate);
        }
        this.rate = rate;
    }

    /** Whether the next window is sampled. */
    public boolean next() {
        long i = windows++;
        return rate > 0 && Math.floor(i * rate) > Math.floor((i - 1) * rate);
    }
}
