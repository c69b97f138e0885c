package io.vbpstream.collector.model;

import io.vbpstream.core.runtime.InstrumentedSession.BatchResult;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.TokenSampler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A batch run without token seeds on a predictor built with co-moments (what the collector runs while the pruner does
 * not want them) samples nothing and hands nothing on, and gives the same logits and moments as a sampled run.
 */
class UnsampledBatchTest {

    @Test
    void aBatchWithoutSeedsGathersNoRowsAndTheSameLogitsAndMoments() throws Exception {
        StoredFmnist fmnist = StoredFmnist.create();
        try (ServingModel served = new ModelLoader(fmnist.store(), fmnist.card(), 1, 8).load(fmnist.version())) {
            assertTrue(served.predictor().coMoments());
            int n = 4;
            int size = served.preprocessor().size();
            float[] pixels = new float[n * size];
            Random rng = new Random(42);
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) rng.nextGaussian();
            }
            long[] seeds = new long[n];
            for (int i = 0; i < n; i++) {
                seeds[i] = TokenSampler.imageSeed(0, 0, i);
            }
            List<Integer> sampled = new ArrayList<>();
            BatchResult withRows = served.predictor().predict(new InstrumentedPredictor.Batch(pixels, n, seeds,
                    (block, width, rows, count) -> sampled.add(count)));
            List<Integer> unsampled = new ArrayList<>();
            BatchResult without = served.predictor().predict(new InstrumentedPredictor.Batch(pixels, n, null,
                    (block, width, rows, count) -> unsampled.add(count)));
            assertEquals(served.blocks().size(), sampled.size());
            assertTrue(sampled.stream().allMatch(c -> c == n * 8), "8 tokens of each image: " + sampled);
            assertEquals(List.of(), unsampled, "nothing handed on without seeds");
            assertArrayEquals(withRows.output(), without.output(), 0f);
            assertEquals(withRows.moments().keySet(), without.moments().keySet());
            for (String block : withRows.moments().keySet()) {
                Moments a = withRows.moments().get(block);
                Moments b = without.moments().get(block);
                assertEquals(a.count(), b.count());
                assertArrayEquals(a.mean(), b.mean(), 0.0, block);
            }
        }
    }
}
