package io.vbpstream.collector.pipeline;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WindowSamplerTest {

    @Test
    void samplesTheRequestedFractionEvenlyStartingWithTheFirstWindow() {
        for (double rate : new double[] {1.0, 0.5, 0.25, 0.1, 1.0 / 3}) {
            WindowSampler s = new WindowSampler(rate);
            int sampled = 0;
            int last = -1;
            int maxGap = 0;
            for (int i = 0; i < 1200; i++) {
                if (s.next()) {
                    if (last >= 0) {
                        maxGap = Math.max(maxGap, i - last);
                    }
                    sampled++;
                    last = i;
                }
            }
            assertEquals(Math.round(1200 * rate), sampled, 1, "rate " + rate);
            assertTrue(maxGap <= Math.ceil(1 / rate), "evenly spread at rate " + rate + ": gap " + maxGap);
            assertTrue(new WindowSampler(rate).next(), "the first window is sampled at rate " + rate);
        }
    }

    @Test
    void rateZeroNeverSamplesAndOutOfRangeIsRefused() {
        WindowSampler never = new WindowSampler(0);
        for (int i = 0; i < 100; i++) {
            assertEquals(false, never.next());
        }
        assertThrows(IllegalArgumentException.class, () -> new WindowSampler(1.5));
        assertThrows(IllegalArgumentException.class, () -> new WindowSampler(-0.1));
        assertThrows(IllegalArgumentException.class, () -> new WindowSampler(Double.NaN));
    }
}
