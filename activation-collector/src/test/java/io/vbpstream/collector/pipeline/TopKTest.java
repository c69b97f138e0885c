package io.vbpstream.collector.pipeline;

import io.vbpstream.platform.message.Prediction;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TopKTest {

    @Test
    void bestClassesFirstWithSoftmaxScores() {
        float[] logits = {9, 9, 1, 3, 2, 0}; // the second row starts at 3
        List<Prediction.Scored> top = TopK.of(logits, 3, 3, 2, i -> "c" + i);
        assertEquals(2, top.size());
        assertEquals(0, top.get(0).index());
        assertEquals("c0", top.get(0).label());
        double z = Math.exp(3) + Math.exp(2) + Math.exp(0);
        assertEquals(Math.exp(3) / z, top.get(0).score(), 1e-12);
        assertEquals(1, top.get(1).index());
        assertEquals(Math.exp(2) / z, top.get(1).score(), 1e-12);
    }

    @Test
    void kIsCappedByTheClassCountAndTiesKeepTheLowerIndex() {
        List<Prediction.Scored> top = TopK.of(new float[]{1, 1}, 0, 2, 5, Integer::toString);
        assertEquals(2, top.size());
        assertEquals(0, top.get(0).index());
        assertEquals(0.5, top.get(0).score(), 1e-12);
    }
}
