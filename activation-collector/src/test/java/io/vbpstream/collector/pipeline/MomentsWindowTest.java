package io.vbpstream.collector.pipeline;

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

    private static Moments batch(Random rnd, int width, int rows) {
        float[] data = new float[width * rows];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) rnd.nextGaussian();
        }
        return Moments.empty(width).addBatch(data, rows);
    }
}
