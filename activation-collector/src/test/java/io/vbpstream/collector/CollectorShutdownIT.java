package io.vbpstream.collector;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vbpstream.collector.model.DjlEngine;
import io.vbpstream.collector.model.InstrumentedPredictor;
import io.vbpstream.collector.model.ModelLoader;
import io.vbpstream.collector.model.ModelRegistry;
import io.vbpstream.collector.model.BatchPredictor;
import io.vbpstream.collector.model.ServingModel;
import io.vbpstream.collector.observe.CollectorMetrics;
import io.vbpstream.collector.pipeline.CollectorLoop;
import io.vbpstream.collector.pipeline.LoopSettings;
import io.vbpstream.collector.pipeline.ImageIntake;
import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.runtime.InstrumentedSession.BatchResult;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.platform.message.Prediction;
import io.vbpstream.platform.message.VbpHeaders;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A collector stopped while a slow batch runs (issue 15, scenario 6). The loop runs in this JVM on the real broker and
 * the real model, through a predictor that takes 2 s per batch; it is stopped while its second batch runs and, as
 * {@code CollectorService} does once its 30 s join gives up, the session is closed under that batch. The batch then
 * fails, but because the loop is stopping and not because of its images: nothing may be dead-lettered, the open
 * window must be aborted (committed offsets no further than the last predicted image), and a collector started
 * afterwards predicts every other image exactly once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CollectorShutdownIT {

    private static final int IMAGES = 40;
    private static final int BATCH = 8;
    private static CollectorTestBed bed;
    private static ModelLoader loader;
    private static ModelVersion version;
    private static SlowPredictor slow;
    private static Thread firstLoop;
    private static CollectorMetrics firstMetrics;

    @BeforeAll
    static void stopMidBatch() throws Exception {
        bed = CollectorTestBed.create();
        version = CollectorTestBed.version("base", bed.put(CollectorTestBed.MODEL), null, 0);
        DjlEngine.get();
        loader = new ModelLoader(bed.store, ModelCard.read(CollectorTestBed.CARD), 1, 0);
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bed.bootstrap()), new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < IMAGES; i++) {
                RecordHeaders h = new RecordHeaders();
                VbpHeaders.put(h, VbpHeaders.CONTENT_TYPE, "image/png");
                // one partition, so that "no further than the last predicted image" is one offset
                p.send(new ProducerRecord<>(Topic.IMAGES.topicName(), 0, CollectorTestBed.key(i), bed.png(i), h)).get();
            }
        }
        ServingModel served = loader.load(version).withPredictor(p -> slow = new SlowPredictor(p));
        firstMetrics = new CollectorMetrics(new SimpleMeterRegistry());
        CollectorLoop loop = loop(served, firstMetrics);
        firstLoop = new Thread(null, loop, "first-loop", 64L << 20);
        firstLoop.start();
        assertTrue(slow.secondBatchStarted.await(120, TimeUnit.SECONDS), "the loop reached its second batch");
        loop.stop();
        slow.close(); // what CollectorService does when the loop outlives its 30 s join: the session goes
        firstLoop.join(30_000);
    }

    @AfterAll
    static void close() throws Exception {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    @Order(1)
    void theStoppedLoopEndsDeadLettersNothingAndCommitsNoFurtherThanItsLastPredictedImage() throws Exception {
        assertFalse(firstLoop.isAlive(), "the loop ended");
        assertEquals(List.of(), bed.read(Topic.IMAGES_DLQ).stream()
                .map(r -> r.key() + ": " + VbpHeaders.get(r.headers(), VbpHeaders.DLQ_REASON)).toList(),
                "a batch failing because the loop stopped is not the images' fault");
        List<String> predicted = predictedKeys();
        assertEquals(keys(0, BATCH), predicted.stream().sorted().toList(), "only the first batch (committed by its full window) was predicted");
        try (Admin admin = bed.broker.admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("vbp-collector")
                    .partitionsToOffsetAndMetadata().get();
            OffsetAndMetadata images0 = committed.get(new TopicPartition(Topic.IMAGES.topicName(), 0));
            assertEquals(BATCH, images0.offset(), "committed up to the last predicted image, and not past it");
        }
        assertEquals(2, slow.started.get(), "the second batch was not retried image by image");
    }

    @Test
    @Order(2)
    void aCollectorStartedAfterwardsPredictsEveryOtherImageOnce() throws Exception {
        assertFalse(firstLoop.isAlive());
        CollectorLoop second = loop(loader.load(version), new CollectorMetrics(new SimpleMeterRegistry()));
        Thread t = new Thread(null, second, "second-loop", 64L << 20);
        t.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (predictedKeys().size() < IMAGES && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
        second.stop();
        t.join(30_000);
        List<String> predicted = predictedKeys();
        assertEquals(keys(0, IMAGES), predicted.stream().sorted().toList(), "every image predicted once");
        assertEquals(List.of(), bed.read(Topic.IMAGES_DLQ).stream().map(ConsumerRecord::key).toList());
    }

    private static List<String> predictedKeys() {
        List<String> keys = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : bed.read(Topic.PREDICTIONS)) {
            keys.add(Prediction.read(r.value()).key());
        }
        return keys;
    }

    private static List<String> keys(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(CollectorTestBed.key(i));
        }
        return out;
    }

    /**
     * The loop on {@code served}: batches of 8, a window committed at every 8 images (so batch 1 is committed before
     * batch 2 starts), polls of up to 64 records (so one poll holds every image).
     */
    private static CollectorLoop loop(ServingModel served, CollectorMetrics metrics) {
        ModelRegistry registry = new ModelRegistry(null, metrics) {
            @Override
            public ServingModel current() {
                return served;
            }

            @Override
            public boolean hasPending() {
                return false;
            }

            @Override
            public Optional<ServingModel> swapIfPending() {
                return Optional.empty();
            }
        };
        LoopSettings settings = new LoopSettings("shutdown-it", "vbp-collector", BATCH, 48L << 20,
                64, BATCH, Duration.ofSeconds(60), new ImageDecoder.Limits(1 << 20, 1 << 20),
                ImageIntake.RecordLimits.DEFAULT, 3, 4096, Duration.ofMinutes(10), 256, 1024, Duration.ofMinutes(2));
        return new CollectorLoop(settings, Map.of("bootstrap.servers", bed.bootstrap()), registry, metrics, why -> {
            throw new AssertionError("fenced: " + why);
        });
    }

    /** 2 s per batch; a batch still sleeping when the predictor is closed fails, as ONNX Runtime's would. */
    private static final class SlowPredictor implements BatchPredictor {
        private final BatchPredictor delegate;
        final AtomicInteger started = new AtomicInteger();
        final CountDownLatch secondBatchStarted = new CountDownLatch(1);
        private volatile boolean closed;

        SlowPredictor(BatchPredictor delegate) {
            this.delegate = delegate;
        }

        @Override
        public boolean coMoments() {
            return delegate.coMoments();
        }

        @Override
        public BatchResult predict(InstrumentedPredictor.Batch batch) {
            if (started.incrementAndGet() == 2) {
                secondBatchStarted.countDown();
            }
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (closed) {
                throw new IllegalStateException("the session was closed under the batch");
            }
            return delegate.predict(batch);
        }

        @Override
        public void close() {
            closed = true;
            delegate.close();
        }
    }
}
