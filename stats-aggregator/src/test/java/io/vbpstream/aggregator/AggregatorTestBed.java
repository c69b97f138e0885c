package io.vbpstream.aggregator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.MomentsCodec;
import io.vbpstream.platform.CoMomentsKey;
import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.MomentsKey;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.ServiceSettings;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicProvisioner;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real broker with the topics, seeded moments deltas, the packaged aggregator as child processes, and the
 * reference: every key's deltas merged in the order they were sent.
 */
final class AggregatorTestBed implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    final LocalKafkaBroker broker;
    final Path dir;
    private final KafkaProducer<String, byte[]> producer;
    private final Map<String, Moments> expected = new LinkedHashMap<>();
    private final Map<String, Integer> deltas = new LinkedHashMap<>();
    private final Map<String, CoMoments> expectedCoMoments = new LinkedHashMap<>();

    private AggregatorTestBed(LocalKafkaBroker broker, Path dir) {
        this.broker = broker;
        this.dir = dir;
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 << 20),
                new StringSerializer(), new ByteArraySerializer());
    }

    static AggregatorTestBed create() throws Exception {
        LocalKafkaBroker broker = LocalKafkaBroker.start();
        try (Admin admin = broker.admin()) {
            TopicProvisioner.createMissing(admin, (short) 1);
        }
        return new AggregatorTestBed(broker, Files.createTempDirectory("vbp-aggregator-it"));
    }

    /** Keys {@code model/version/mlpN} for {@code blocks} blocks of two versions. */
    static List<String> keys(int blocks) {
        List<String> out = new ArrayList<>();
        for (String version : List.of("base", "g1")) {
            for (int b = 0; b < blocks; b++) {
                out.add("fmnist-vit/" + version + "/mlp" + b);
            }
        }
        return out;
    }

    /** Sends {@code rounds} deltas to every key (seeded), and merges them into the reference in the same order. */
    void sendDeltas(List<String> keys, int rounds, int width, Random rnd) throws Exception {
        sendDeltas(keys, rounds, width, rnd, 0);
    }

    /** As above, pausing {@code pauseMs} between rounds: a stream rather than a burst. */
    synchronized void sendDeltas(List<String> keys, int rounds, int width, Random rnd, long pauseMs) throws Exception {
        for (int r = 0; r < rounds; r++) {
            if (pauseMs > 0) {
                producer.flush();
                Thread.sleep(pauseMs);
            }
            for (String key : keys) {
                int rows = 1 + rnd.nextInt(200);
                float[] batch = new float[rows * width];
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = (float) (rnd.nextGaussian() * (1 + i % 7) + (i % width) * 0.01);
                }
                Moments m = Moments.empty(width).addBatch(batch, rows);
                producer.send(new ProducerRecord<>(Topic.ACTIVATION_MOMENTS.topicName(), key, MomentsCodec.encode(m)));
                expected.merge(key, m.copy(), Moments::merge);
                deltas.merge(key, 1, Integer::sum);
            }
        }
        producer.flush();
    }

    /**
     * Sends {@code rounds} co-moment deltas to every block key as {@code tile}-sided tiles, each to its block's
     * partition as the collectors send them, and merges them into the reference.
     */
    synchronized void sendCoMoments(List<String> keys, int rounds, int width, int tile, Random rnd) throws Exception {
        for (int r = 0; r < rounds; r++) {
            for (String key : keys) {
                int rows = 5 + rnd.nextInt(100);
                float[] batch = new float[rows * width];
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = (float) (rnd.nextGaussian() * (1 + i % 5) + (i % width) * 0.01);
                }
                CoMoments c = CoMoments.empty(width).addBatch(batch, rows);
                for (CoMomentsTile t : c.tiles(tile)) {
                    CoMomentsKey k = new CoMomentsKey(MomentsKey.parse(key), t.row(), t.column());
                    producer.send(new ProducerRecord<>(Topic.ACTIVATION_COMOMENTS.topicName(),
                            k.partition(Topic.ACTIVATION_COMOMENTS.partitions()), k.toString(), CoMomentsCodec.encode(t)));
                }
                expectedCoMoments.merge(key, c, CoMoments::merge);
            }
        }
        producer.flush();
    }

    synchronized CoMoments expectedCoMoments(String key) {
        return expectedCoMoments.get(key);
    }

    synchronized Moments expected(String key) {
        return expected.get(key);
    }

    synchronized int deltas(String key) {
        return deltas.get(key);
    }

    synchronized int totalDeltas() {
        return deltas.values().stream().mapToInt(Integer::intValue).sum();
    }

    ServiceProcess start(String instance) throws Exception {
        return start(instance, Map.of());
    }

    /** An aggregator instance with {@code extra} settings on top of the test bed's. */
    ServiceProcess start(String instance, Map<String, String> extra) throws Exception {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("kafka.bootstrap.servers", broker.bootstrapServers());
        s.put("vbp.aggregator.state-dir", dir.resolve("state-" + instance).toString());
        s.put("vbp.aggregator.host", "127.0.0.1");
        s.put("vbp.aggregator.emit-interval", "500ms");
        // a killed instance's partitions move after 6 s, not the default 45 s
        s.put("kafka-streams.session.timeout.ms", "6000");
        s.putAll(extra);
        return ServiceProcess.start(ServiceSettings.App.AGGREGATOR.jar(), s, dir.resolve(instance + ".log"));
    }

    /** Publishes a model version record, as the pruner does. */
    void sendVersion(io.vbpstream.platform.message.ModelVersion v) throws Exception {
        producer.send(new ProducerRecord<>(Topic.MODEL_VERSIONS.topicName(), v.key(),
                io.vbpstream.platform.message.Messages.write(v))).get();
    }

    static JsonNode json(String body) throws Exception {
        return JSON.readTree(body);
    }

    static void await(BooleanSupplier condition, String what, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(250);
        }
    }

    @Override
    public void close() {
        producer.close();
        broker.close();
    }
}
