package io.vbpstream.pruner.prune;

import io.vbpstream.core.data.ModelCard;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.platform.message.Prediction;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15, scenario 9: a gate may not promote on a handful of images. One image that both models would agree on
 * (agreement 1.0) is refused with a reason, before any model is opened.
 */
class ValidationGateTest {

    @Test
    void aSampleBelowTheFloorIsRefusedWithAReasonAndNoModelRuns() throws Exception {
        ModelCard card = ModelCard.read(java.nio.file.Path.of("../models/fmnist-vit/model.json"));
        ValidationGate gate = new ValidationGate(new ValidationGate.Settings(0.9, 0.95, 200, 0.95, 16));
        int per = card.input().channels() * card.input().height() * card.input().width();
        for (int n : new int[]{0, 1, 199}) {
            RecentImages.Sample sample = new RecentImages.Sample(new float[n * per], n, new int[n], new int[n],
                    java.util.stream.IntStream.range(0, n).mapToObj(i -> new Prediction.Source("images", 0, i)).toList());
            ModelVersion.Validation v = gate.validate(() -> {
                throw new AssertionError("the parent must not be opened");
            }, () -> {
                throw new AssertionError("the candidate must not be opened");
            }, sample, card);
            assertNotNull(v.reason(), n + " images");
            assertTrue(v.reason().contains("fewer than the gate's minimum of 200"), v.reason());
            assertEquals(n, v.images());
        }
    }
}
