package io.vbpstream.collector.pipeline;

import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.platform.message.OffsetRange;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MomentsWindowTest {

    private static final TopicPartition P0 = new TopicPartition("images", 0);
    private static final TopicPartition P3 = new TopicPartition("images", 3);

    @Test
    void flushesAfterEnoughImagesOrTime() {
        MomentsWindow w = new MomentsWindow(10, 1_000);
        assertFalse(w.isOpen());
        assertFalse(w.isDue(5_000), "an empty window is never due");
        assertEquals(0, w.ageNanos(5_000), "a closed window has no age");
        w.consumed(P0, 7, 100);
        assertTrue(w.isOpen());
        assertEquals(400, w.ageNanos(500));
        assertFalse(w.isDue(500));
        assertTrue(w.isDue(1_100), "due by age");
        w.add(Map.of("mlp0", batch(new Random(1), 4, 10)), 10);
        assertTrue(w.isDue(200), "due by count");
        w.clear();
        assertFalse(w.isOpen());
        assertEquals(0, w.images());
    }

    @Test
    void offsetsCoverEveryConsumedRecordAndCommitPastTheLast() {
        MomentsWindow w = new MomentsWindow(100, 1_000);
        w.consumed(P0, 5, 0);
        w.consumed(P3, 40, 0);
        w.consumed(P0, 6, 0);
        w.consumed(P0, 7, 0);
        assertEquals(List.of(new OffsetRange("images", 0, 5, 7), new OffsetRange("images", 3, 40, 40)), w.offsetRanges());
        assertEquals(Map.of(P0, new OffsetAndMetadata(8), P3, new OffsetAndMetadata(41)), w.commitOffsets());
    }

    @Test
    void mergedBatchesEqualOneBatchOfEverything() {
        Random rnd = new Random(7);
        Moments a = batch(rnd, 5, 30);
        Moments b = batch(rnd, 5, 50);
        MomentsWindow w = new MomentsWindow(1000, 1_000);
        w.add(Map.of("mlp0", a), 3);
        w.add(Map.of("mlp0", b), 5);
        Moments expected = a.copy().merge(b);
        assertEquals(8, w.images());
        assertEquals(80, w.blocks().get("mlp0").count());
        assertArrayEquals(expected.mean(), w.blocks().get("mlp0").mean(), 1e-12);
        assertArrayEquals(expected.m2(), w.blocks().get("mlp0").m2(), 1e-9);
        // the window copied the first batch: merging into it did not change the caller's object
        assertEquals(30, a.count());
    }

    /** A batch's mean, a float32 centre near it and the centred Gram about that centre: the graph's outputs. */
    private static void mergeAsTheGraphReturnsIt(MomentsWindow w, float[] x, int rows) {
        double[] mean = new double[4];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < 4; j++) {
                mean[j] += x[r * 4 + j] / (double) rows;
            }
        }
        float[] centre = new float[4];
        for (int j = 0; j < 4; j++) {
            centre[j] = (float) mean[j] + 0.125f;
        }
        float[] gram = new float[16];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    gram[i * 4 + j] += (x[r * 4 + i] - centre[i]) * (x[r * 4 + j] - centre[j]);
                }
            }
        }
        w.mergeGram("mlp0", rows, mean, centre, gram);
    }

    @Test
    void aSampledWindowMergesCoMomentsAndForgetsThemWhenCleared() {
        MomentsWindow w = new MomentsWindow(1000, 1_000, new WindowSampler(0.5));
        w.consumed(P0, 1, 0);
        assertTrue(w.samplingCoMoments(), "the first window is sampled");
        Random rnd = new Random(11);
        float[] a = gaussian(rnd, 4 * 30);
        float[] b = gaussian(rnd, 4 * 50);
        mergeAsTheGraphReturnsIt(w, a, 30);
        mergeAsTheGraphReturnsIt(w, b, 50);
        CoMoments expected = CoMoments.empty(4).addBatch(a, 30).addBatch(b, 50);
        CoMoments merged = w.coMoments().get("mlp0");
        assertEquals(80, merged.count());
        for (int i = 0; i < 4; i++) {
            for (int j = i; j < 4; j++) {
                assertEquals(expected.coMoment(i, j), merged.coMoment(i, j), 1e-4, "float32 Gram");
            }
        }
        w.clear();
        assertTrue(w.coMoments().isEmpty());
        assertFalse(w.samplingCoMoments());
        w.consumed(P0, 2, 0);
        assertFalse(w.samplingCoMoments(), "every other window at rate 0.5");
        w.clear();
        w.consumed(P0, 3, 0);
        assertTrue(w.samplingCoMoments());
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = (float) rnd.nextGaussian();
        }
        return data;
    }

    private static Moments batch(Random rnd, int width, int rows) {
        float[] data = new float[width * rows];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) rnd.nextGaussian();
        }
        return Moments.empty(width).addBatch(data, rows);
    }
}
