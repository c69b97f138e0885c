package io.vbpstream.e2e;

import ai.onnx.proto.OnnxMl.ModelProto;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vbpstream.core.data.IdxImages;
import io.vbpstream.core.data.ImageSet;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.runtime.StatisticsCollector;
import io.vbpstream.core.stats.ModelStatistics;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.core.store.DirectoryModelStore;
import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.ServiceSettings;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicProvisioner;
import io.vbpstream.platform.TopicReader;
import io.vbpstream.platform.message.VbpHeaders;
import io.vbpstream.replayer.TrafficReplayer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The collector and the aggregator as separate processes on a real broker, with 3000 good images and 300 bad records
 * (garbage, truncated, oversized, wrong content type) streaming in while, at seeded random moments, the collector is
 * SIGKILLed twice, the aggregator once, the broker is killed and restarted once, and a second collector joins the
 * consumer group and later leaves it (two rebalances). At the end every block's aggregated count equals images x tokens exactly, the means
 * and variances equal the offline statistics over the same images (relative error ≤ 1e-9), every good image is
 * predicted once and every bad record is dead-lettered once with its reason.
 */
class FaultInjectionIT {

    private static final long SEED = 20261127L;
    private static final int GOOD = 3000;
    private static final int TOKENS = 50;
    /**
     * Images per second: 3000 take 75 s, so that every fault, with the restarts between them (a service takes 5 to
     * 15 s to be ready again on a loaded 2-core machine), falls inside the stream.
     */
    private static final int RATE = 40;
    /**
     * The last images, held back until the last fault has been injected: on a loaded machine the restarts can push
     * the faults past the stream's 75 s, and then the last ones would hit an idle pipeline.
     */
    private static final int TAIL = 300;
    private static final CountDownLatch LAST_FAULT = new CountDownLatch(1);
    private static boolean lastFaultWhileSending;
    private static final Path ROOT = LocalKafkaBroker.repoRoot();
    private static LocalKafkaBroker broker;
    private static ServiceProcess collector;
    private static ServiceProcess second;
    private static ServiceProcess aggregator;
    private static Path dir;
    private static final Map<String, String> BAD = new LinkedHashMap<>();
    private static final List<String> EVENTS = new ArrayList<>();
    private static int secondExitStatus = -1;
    private static double secondImages = -1;

    @BeforeAll
    static void streamWithFaults() throws Exception {
        broker = LocalKafkaBroker.start();
        try (Admin admin = broker.admin()) {
            TopicProvisioner.createMissing(admin, (short) 1);
        }
        dir = Files.createTempDirectory("vbp-fault-it");
        ArtifactRef model = new DirectoryModelStore(dir.resolve("store")).put(ROOT.resolve("models/fmnist-vit/model.onnx"));
        collector = startCollector(model, 0);
        aggregator = startAggregator(0);

        IdxImages.Images set = IdxImages.readImages(ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"), GOOD);
        ExecutorService sender = Executors.newSingleThreadExecutor();
        Future<?> sent = sender.submit(() -> {
            send(set);
            return null;
        });
        // four faults at seeded moments in the first 13 s of sending (restarts push the later ones back), in order
        Random rnd = new Random(SEED);
        long[] at = {1500 + rnd.nextInt(2500), 4500 + rnd.nextInt(2000), 7500 + rnd.nextInt(2000), 10500 + rnd.nextInt(2500)};
        long t0 = System.currentTimeMillis();
        sleepUntil(t0 + at[0]);
        collector.kill();
        EVENTS.add("t+" + (System.currentTimeMillis() - t0) + "ms: collector SIGKILL");
        // the second collector starts first, so that it joins while images are still arriving and works alone until
        // the first one is back (started the other way round, on a loaded machine, it could join after the stream)
        second = startCollector(model, 10, "fault-it-b");
        EVENTS.add("t+" + (System.currentTimeMillis() - t0) + "ms: a second collector joined the group");
        collector = startCollector(model, 1);
        EVENTS.add("t+" + (System.currentTimeMillis() - t0) + "ms: the first collector is back");
        sleepUntil(t0 + at[1]);
        aggregator.kill();
        EVENTS.add("t+" + (System.currentTimeMillis() - t0) + "ms: aggregator SIGKILL");
        aggregator = startAggregator(1);
        sleepUntil(t0 + at[2]);
        broker.kill();
        EVENTS.add("t+" + (System.currentTimeMillis() - t0) + "ms: broker SIGKILL");
        Thread.sleep(2000);
        broker.restart();
        EVENTS.add("t+" + (System.currentTimeMillis() - t0) + "ms: broker restarted");
        sleepUntil(t0 + at[3]);
        secondImages = second.metric("vbp_collector_images_total");
        secondExitStatus = second.stop();
        EVENTS.add("t+" + (System.currentTimeMillis() - t0) + "ms: the second collector left the group (SIGTERM), exit status "
                + secondExitStatus);
        lastFaultWhileSending = !sent.isDone();
        collector.kill();
        EVENTS.add("t+" + (System.currentTimeMillis() - t0) + "ms: collector SIGKILL");
        LAST_FAULT.countDown();
        collector = startCollector(model, 2);
        sent.get();
        EVENTS.add("t+" + (System.currentTimeMillis() - t0) + "ms: the last image sent");
        sender.shutdown();
        EVENTS.forEach(System.out::println);
        awaitTotals(240);
    }

    /**
     * The second collector took part (the group rebalanced to give it partitions, and it ran images through the model
     * while the others worked), and its SIGTERM in the middle of the stream (as Kubernetes stops a pod) was clean:
     * inference has to end before ONNX Runtime's own shutdown hook frees its environment, or the JVM dies in native
     * code (status 134, an hs_err file). Exactness across both rebalances is what the other tests check.
     */
    @Test
    void everyFaultFellInsideTheStream() {
        assertTrue(lastFaultWhileSending, "the last fault came after the last image was sent; the faults did not test "
                + "a live stream:\n" + String.join("\n", EVENTS));
    }

    @Test
    void theSecondCollectorTookPartitionsAndStoppedCleanly() throws Exception {
        assertTrue(secondImages > 0, "the second collector ran images: " + secondImages);
        assertTrue(second.log().contains("assigned [images-"), "it was assigned partitions");
        assertEquals(0, secondExitStatus, "exit status of the collector stopped with SIGTERM mid-stream:\n" + second.tail());
        assertTrue(!second.log().contains("SIGSEGV"), "no crash in native code");
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServiceProcess p : new ServiceProcess[]{collector, second, aggregator}) {
            if (p != null) {
                p.close();
            }
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void everyBlockHoldsExactlyTheOfflineStatisticsOfTheImagesSent() throws Exception {
        ModelProto proto = OnnxModels.read(ROOT.resolve("models/fmnist-vit/model.onnx")).model();
        Preprocessor pre = new Preprocessor(ModelCard.read(ROOT.resolve("models/fmnist-vit/model.json")).input());
        ModelStatistics offline = StatisticsCollector.collect(proto, "", MlpBlockFinder.find(proto),
                ImageSet.open(ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"), null, GOOD), pre, 100, n -> { });
        ObjectMapper json = new ObjectMapper();
        for (Map.Entry<String, Moments> e : offline.blocks().entrySet()) {
            JsonNode s = json.readTree(aggregator.get("/statistics/models/fmnist-vit/versions/base/blocks/" + e.getKey()).body());
            Moments m = e.getValue();
            assertEquals((long) GOOD * TOKENS, s.get("count").asLong(), e.getKey() + ": nothing lost, nothing counted twice");
            double[] variance = m.variance();
            for (int j = 0; j < m.width(); j++) {
                assertClose(e.getKey() + " mean " + j, m.mean(j), s.get("mean").get(j).asDouble());
                assertClose(e.getKey() + " variance " + j, variance[j], s.get("variance").get(j).asDouble());
            }
        }
    }

    @Test
    void everyGoodImageIsPredictedOnceAndEveryBadRecordDeadLetteredOnce() {
        Set<String> predicted = new HashSet<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(broker.bootstrapServers(), Topic.PREDICTIONS.topicName())) {
            assertTrue(predicted.add(r.key()), "predicted twice: " + r.key());
        }
        assertEquals(GOOD, predicted.size());
        Map<String, String> dead = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(broker.bootstrapServers(), Topic.IMAGES_DLQ.topicName())) {
            assertEquals(null, dead.put(r.key(), VbpHeaders.get(r.headers(), VbpHeaders.DLQ_REASON)), "dead-lettered twice: " + r.key());
        }
        assertEquals(BAD, dead);
    }

    private static void send(IdxImages.Images set) throws Exception {
        byte[] png = TrafficReplayer.png(set, 0);
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 180_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 180_000), new StringSerializer(), new ByteArraySerializer())) {
            Random rnd = new Random(SEED + 1);
            long t0 = System.nanoTime();
            for (int i = 0; i < GOOD; i++) {
                if (i == GOOD - TAIL) {
                    p.flush();
                    if (!LAST_FAULT.await(300, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the last fault never came");
                    }
                    t0 = System.nanoTime() - (long) (i * 1e9 / RATE); // paced again from here, not in a burst
                }
                p.send(record(String.format("img-%05d", i), TrafficReplayer.png(set, i), "image/png"));
                if (i % 10 == 9) {
                    String key = "bad-" + i;
                    switch (rnd.nextInt(4)) {
                        case 0 -> {
                            p.send(record(key, "garbage".getBytes(), "image/png"));
                            BAD.put(key, "UNDECODABLE");
                        }
                        case 1 -> {
                            p.send(record(key, Arrays.copyOf(png, png.length / 2), "image/png"));
                            BAD.put(key, "UNDECODABLE");
                        }
                        case 2 -> {
                            p.send(record(key, OVERSIZED, "image/png"));
                            BAD.put(key, "TOO_LARGE_BYTES");
                        }
                        default -> {
                            p.send(record(key, png, "text/plain"));
                            BAD.put(key, "UNSUPPORTED_CONTENT_TYPE");
                        }
                    }
                }
                long due = t0 + (long) ((i + 1) * 1e9 / RATE);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
            p.flush();
        }
    }

    /** 150 kB of PNG-signed bytes: over the collectors' 100 kB limit, far under the topic's. */
    private static final byte[] OVERSIZED = oversized();

    private static byte[] oversized() {
        byte[] b = new byte[150_000];
        new Random(SEED + 2).nextBytes(b);
        byte[] sig = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        System.arraycopy(sig, 0, b, 0, sig.length);
        return b;
    }

    private static ProducerRecord<String, byte[]> record(String key, byte[] value, String contentType) {
        RecordHeaders h = new RecordHeaders();
        VbpHeaders.put(h, VbpHeaders.CONTENT_TYPE, contentType);
        return new ProducerRecord<>(Topic.IMAGES.topicName(), null, key, value, h);
    }

    private static ServiceProcess startCollector(ArtifactRef model, int run) throws Exception {
        return startCollector(model, run, "fault-it");
    }

    private static ServiceProcess startCollector(ArtifactRef model, int run, String instance) throws Exception {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("kafka.bootstrap.servers", broker.bootstrapServers());
        s.put("vbp.collector.instance-id", instance);
        s.put("vbp.collector.limits.max-bytes", "100000");
        s.put("vbp.collector.model.uri", model.uri().toString());
        s.put("vbp.collector.model.card", ROOT.resolve("models/fmnist-vit/model.json").toString());
        s.put("vbp.collector.store.directory", dir.resolve("store").toString());
        s.put("vbp.collector.flush.images", "200");
        s.put("vbp.collector.flush.interval", "2s");
        return ServiceProcess.start(ServiceSettings.App.COLLECTOR.jar(), s, dir.resolve("collector-" + run + ".log"));
    }

    private static ServiceProcess startAggregator(int run) throws Exception {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("kafka.bootstrap.servers", broker.bootstrapServers());
        s.put("vbp.aggregator.state-dir", dir.resolve("aggregator-state").toString());
        s.put("vbp.aggregator.host", "127.0.0.1");
        s.put("kafka-streams.session.timeout.ms", "6000");
        return ServiceProcess.start(ServiceSettings.App.AGGREGATOR.jar(), s, dir.resolve("aggregator-" + run + ".log"));
    }

    /** Waits until every block's count reaches the images sent (or the time runs out, and the assertions say more). */
    private static void awaitTotals(int seconds) throws Exception {
        ObjectMapper json = new ObjectMapper();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            boolean done = true;
            for (int b = 0; b < 6 && done; b++) {
                var r = aggregator.get("/statistics/models/fmnist-vit/versions/base/blocks/mlp" + b);
                done = r.statusCode() == 200 && json.readTree(r.body()).get("count").asLong() >= (long) GOOD * TOKENS;
            }
            if (done) {
                return;
            }
            Thread.sleep(1000);
        }
        System.out.println("totals not complete after " + seconds + " s; see " + dir);
    }

    private static void sleepUntil(long millis) throws InterruptedException {
        long wait = millis - System.currentTimeMillis();
        if (wait > 0) {
            Thread.sleep(wait);
        }
    }

    private static void assertClose(String what, double expected, double actual) {
        double scale = Math.max(Math.abs(expected), Math.abs(actual));
        assertTrue(Math.abs(expected - actual) <= 1e-9 * scale,
                what + ": expected " + expected + ", got " + actual + " (relative " + Math.abs(expected - actual) / scale + ")");
    }
}
