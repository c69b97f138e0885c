package io.vbpstream.collector.pipeline;

import io.vbpstream.core.data.ImageDecoder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoopSettingsTest {

    private static LoopSettings settings(int batch, int maxPoll, Duration interval, Duration txTimeout) {
        return new LoopSettings("c-0", "g", batch, 48L << 20, maxPoll, 1024, interval,
                new ImageDecoder.Limits(1 << 20, 1 << 20), ImageIntake.RecordLimits.DEFAULT, 3, 4096, Duration.ofMinutes(10), 256, 1024, txTimeout);
    }

    @Test
    void pollsHoldAboutOneFlushIntervalOfImagesInWholeBatches() {
        LoopSettings s = settings(32, 256, Duration.ofSeconds(5), Duration.ofMinutes(2));
        // a fast model (1.5 ms an image) fills the largest poll
        assertEquals(256, s.recordsPerPoll(32, TimeUnit.MICROSECONDS.toNanos(1500)));
        // DeiT-Base on two cores (about 0.35 s an image): 14 images an interval, so one batch
        assertEquals(32, s.recordsPerPoll(32, TimeUnit.MILLISECONDS.toNanos(350)));
        // the same with DeiT-Base's batches of 20
        assertEquals(20, s.recordsPerPoll(20, TimeUnit.MILLISECONDS.toNanos(350)));
        // 100 images an interval: four batches (rounded up)
        assertEquals(128, s.recordsPerPoll(32, TimeUnit.MILLISECONDS.toNanos(50)));
        // slower than the interval itself: still one batch
        assertEquals(32, s.recordsPerPoll(32, TimeUnit.SECONDS.toNanos(10)));
        // not measured: the configured size
        assertEquals(256, s.recordsPerPoll(32, 0));
    }

    @Test
    void aPollIsNeverSmallerThanOneBatch() {
        LoopSettings s = settings(64, 16, Duration.ofSeconds(5), Duration.ofMinutes(2));
        assertEquals(64, s.recordsPerPoll(64, TimeUnit.SECONDS.toNanos(1)));
        assertEquals(64, s.recordsPerPoll(64, 1));
    }

    @Test
    void wideModelsGetBatchesWhoseLargestHiddenTensorFitsTheBound() {
        LoopSettings s = settings(32, 256, Duration.ofSeconds(5), Duration.ofMinutes(2));
        // fmnist-vit: 17 tokens x 256; DeiT-Small: 197 x 1536 (exactly 32 fit 48 MiB); DeiT-Base: 197 x 3072
        assertEquals(32, s.imagesPerBatch(17 * 256 * 4));
        assertEquals(32, s.imagesPerBatch(197 * 1536 * 4));
        assertEquals(20, s.imagesPerBatch(197 * 3072 * 4));
        assertEquals(1, s.imagesPerBatch(64L << 20), "never below one image");
        assertEquals(32, s.imagesPerBatch(0), "not measured: the configured size");
    }

    @Test
    void theTransactionTimeoutMustOutlastTheLongestWindow() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> settings(32, 256, Duration.ofSeconds(40), Duration.ofSeconds(60)));
        assertTrue(e.getMessage().contains("vbp.collector.transaction-timeout"), e.getMessage());
        assertTrue(e.getMessage().contains("vbp.collector.flush.interval"), e.getMessage());
        settings(32, 256, Duration.ofSeconds(30), Duration.ofSeconds(60)); // exactly the margin: accepted
    }
}
