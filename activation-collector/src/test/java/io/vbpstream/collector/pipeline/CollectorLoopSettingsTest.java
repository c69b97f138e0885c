package io.vbpstream.collector.pipeline;

import io.vbpstream.core.data.ImageDecoder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CollectorLoopSettingsTest {

    private static CollectorLoop.Settings settings(int batch, int maxPoll, Duration interval, Duration txTimeout) {
        return new CollectorLoop.Settings("c-0", "g", batch, maxPoll, 1024, interval,
                new ImageDecoder.Limits(1 << 20, 1 << 20), 3, 4096, Duration.ofMinutes(10), 256, 1024, txTimeout);
    }

    @Test
    void pollsHoldAboutOneFlushIntervalOfImagesInWholeBatches() {
        CollectorLoop.Settings s = settings(32, 256, Duration.ofSeconds(5), Duration.ofMinutes(2));
        // a fast model (1.5 ms an image) fills the largest poll
        assertEquals(256, CollectorLoop.pollRecords(s, TimeUnit.MICROSECONDS.toNanos(1500)));
        // DeiT-Base on two cores (about 0.35 s an image): 14 images an interval, so one batch
        assertEquals(32, CollectorLoop.pollRecords(s, TimeUnit.MILLISECONDS.toNanos(350)));
        // 100 images an interval: four batches (rounded up)
        assertEquals(128, CollectorLoop.pollRecords(s, TimeUnit.MILLISECONDS.toNanos(50)));
        // slower than the interval itself: still one batch
        assertEquals(32, CollectorLoop.pollRecords(s, TimeUnit.SECONDS.toNanos(10)));
        // not measured: the configured size
        assertEquals(256, CollectorLoop.pollRecords(s, 0));
    }

    @Test
    void aPollIsNeverSmallerThanOneBatch() {
        CollectorLoop.Settings s = settings(64, 16, Duration.ofSeconds(5), Duration.ofMinutes(2));
        assertEquals(64, CollectorLoop.pollRecords(s, TimeUnit.SECONDS.toNanos(1)));
        assertEquals(64, CollectorLoop.pollRecords(s, 1));
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
