package io.vbpstream.collector.pipeline;

import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.platform.message.OffsetRange;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CoMomentsAccumulatorTest {

    @Test
    void mergesBatchesAsTheGraphReturnsThemAcrossWindows() {
        // 30 + 50 rows through a buffer of 16: four Grams of 16 rows, and the last 16 when the accumulation is read
        CoMomentsAccumulator acc = new CoMomentsAccumulator(1000, 1_000_000, 16);
        Random rnd = new Random(11);
        float[] a = gaussian(rnd, 4 * 30);
        float[] b = gaussian(rnd, 4 * 50);
        mergeAsTheGraphReturnsIt(acc, a, 30, 0);
        acc.covered(3, List.of(new OffsetRange("images", 0, 10, 12)));
        mergeAsTheGraphReturnsIt(acc, b, 50, 10);
        acc.covered(5, List.of(new OffsetRange("images", 0, 13, 17), new OffsetRange("images", 2, 4, 8)));
        CoMoments expected = CoMoments.empty(4).addBatch(a, 30).addBatch(b, 50);
        CoMoments merged = acc.blocks().get("mlp0");
        assertEquals(80, merged.count());
        assertEquals(80, acc.samples());
        for (int i = 0; i < 4; i++) {
            for (int j = i; j < 4; j++) {
                assertEquals(expected.coMoment(i, j), merged.coMoment(i, j), 1e-4, "float32 Gram");
            }
        }
        assertEquals(8, acc.images());
        assertEquals(List.of(new OffsetRange("images", 0, 10, 17), new OffsetRange("images", 2, 4, 8)), acc.offsetRanges(),
                "contiguous windows of a partition merge into one range");
    }

    @Test
    void publishesFirstAfterTheFirstSamplesThenAtEachDoublingOrWhenOld() {
        CoMomentsAccumulator acc = new CoMomentsAccumulator(100, 1_000, 16);
        assertFalse(acc.isDue(5_000), "nothing gathered is never due");
        Random rnd = new Random(3);
        mergeAsTheGraphReturnsIt(acc, gaussian(rnd, 4 * 60), 60, 0);
        assertFalse(acc.isDue(10));
        mergeAsTheGraphReturnsIt(acc, gaussian(rnd, 4 * 60), 60, 20);
        assertTrue(acc.isDue(30), "120 samples reach the first 100");
        acc.published(acc.samples());
        assertEquals(120, acc.published());
        assertEquals(0, acc.samples());
        assertTrue(acc.offsetRanges().isEmpty());
        mergeAsTheGraphReturnsIt(acc, gaussian(rnd, 4 * 100), 100, 2_000);
        assertFalse(acc.isDue(2_100), "the next publication waits for as many samples as were published");
        assertTrue(acc.isDue(3_000), "or for the longest accumulation, counted from its first sample");
        mergeAsTheGraphReturnsIt(acc, gaussian(rnd, 4 * 20), 20, 2_200);
        assertTrue(acc.isDue(2_200));
    }

    @Test
    void anAbortDropsTheWholeAccumulationAndANewVersionStartsOver() {
        CoMomentsAccumulator acc = new CoMomentsAccumulator(10, 1_000, 16);
        Random rnd = new Random(5);
        mergeAsTheGraphReturnsIt(acc, gaussian(rnd, 4 * 30), 30, 0);
        acc.covered(2, List.of(new OffsetRange("images", 1, 0, 1)));
        acc.published(acc.samples());
        mergeAsTheGraphReturnsIt(acc, gaussian(rnd, 4 * 12), 12, 0);
        acc.covered(1, List.of(new OffsetRange("images", 1, 2, 2)));
        assertEquals(12, acc.samples(), "rows still buffered are part of the accumulation");
        assertEquals(12, acc.drop());
        assertTrue(acc.blocks().isEmpty());
        assertEquals(0, acc.images());
        assertEquals(30, acc.published(), "what was published stays published");
        acc.reset();
        assertEquals(0, acc.published());
        acc.covered(4, List.of(new OffsetRange("images", 1, 3, 6)));
        assertEquals(0, acc.images(), "a window without samples adds nothing");
    }

    @Test
    void aWindowWhoseSamplesWereDroppedAddsNoneAndClaimsNoImages() {
        CoMomentsAccumulator acc = new CoMomentsAccumulator(10, 1_000, 16);
        Random rnd = new Random(7);
        assertTrue(acc.addRows("mlp0", 4, gaussian(rnd, 4 * 8), 8, 0));
        acc.covered(2, List.of(new OffsetRange("images", 0, 0, 1)));
        // the next window: a batch fails after its rows went in, so the accumulation goes and the window is skipped
        assertTrue(acc.addRows("mlp0", 4, gaussian(rnd, 4 * 8), 8, 10));
        assertEquals(16, acc.drop());
        acc.skipRestOfWindow();
        assertFalse(acc.addRows("mlp0", 4, gaussian(rnd, 4 * 8), 8, 20), "the rest of the window adds no rows");
        assertEquals(0, acc.samples());
        acc.covered(3, List.of(new OffsetRange("images", 0, 2, 4)));
        assertEquals(0, acc.images(), "the skipped window's images are not claimed");
        acc.windowClosed();
        float[] next = gaussian(rnd, 4 * 5);
        assertTrue(acc.addRows("mlp0", 4, next, 5, 30), "the window after takes rows again");
        acc.covered(1, List.of(new OffsetRange("images", 0, 5, 5)));
        assertEquals(5, acc.samples());
        assertEquals(1, acc.images());
        assertEquals(List.of(new OffsetRange("images", 0, 5, 5)), acc.offsetRanges());
        CoMoments expected = CoMoments.empty(4).addBatch(next, 5);
        assertEquals(expected.coMoment(1, 2), acc.blocks().get("mlp0").coMoment(1, 2), 1e-4);
    }

    @Test
    void refusesNonPositiveThresholds() {
        assertThrows(IllegalArgumentException.class, () -> new CoMomentsAccumulator(0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new CoMomentsAccumulator(1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new CoMomentsAccumulator(1, 1, 0));
    }

    /** A batch's sampled rows of block mlp0, as the graph returns them. */
    private static void mergeAsTheGraphReturnsIt(CoMomentsAccumulator acc, float[] x, int rows, long now) {
        acc.addRows("mlp0", 4, x, rows, now);
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = (float) rnd.nextGaussian();
        }
        return data;
    }
}
