package io.vbpstream.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vbpstream.core.data.IdxImages;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.core.store.DirectoryModelStore;
import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.ServiceSettings;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicProvisioner;
import io.vbpstream.platform.TopicReader;
import io.vbpstream.platform.message.ModelVersion;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole loop (collector, aggregator and pruner as their packaged processes on a fresh real broker) under seeded
 * chaos: while 2500 labelled images and 100 bad records stream in at 50 a second, a service drawn by the seed (collector, aggregator or
 * pruner) is SIGKILLed at a moment drawn by the seed and restarted, four times. Traffic then goes on until a pruned
 * version is promoted (at most 8000 images in all). At the end: per block, the counts summed
 * over every version served equal images x tokens; every good image was predicted exactly once; every bad record was
 * dead-lettered exactly once with its reason; a pruned version was promoted and its artifact verifies; and no candidate
 * was left without a verdict.
 *
 * <p>Seeds come from {@code -Dvbp.chaos.seeds} (comma-separated; {@link #DEFAULT_SEEDS} in {@code ./mvnw verify}), each
 * round printed with its seed and events, so a failure is replayed with
 * {@code ./mvnw -pl e2e-tests verify -Dit.test=ChaosIT -Dvbp.chaos.seeds=<seed>} (the services must be packaged).
 */
class ChaosIT {

    static final String DEFAULT_SEEDS = "11,23";
    private static final Path ROOT = LocalKafkaBroker.repoRoot();
    private static final String MODEL_ID = "fmnist-vit";
    /** Images sent while services are killed. */
    private static final int CHAOS_IMAGES = 2500;
    /**
     * The most images sent in all: after the kills, traffic goes on (as production traffic does) until a version is
     * promoted, since every collector restart drops the co-moments it had not yet published.
     */
    private static final int MAX_IMAGES = 8000;
    private static final int BAD_EVERY = 25;
    private static final int TOKENS = 50;
    private static final int BLOCKS = 6;
    /** Images per second: the stream lasts 50 s, long enough for four kills and their restarts to fall inside it. */
    private static final int RATE = 50;
    private static final int KILLS = 4;

    static Stream<Long> seeds() {
        return Arrays.stream(System.getProperty("vbp.chaos.seeds", DEFAULT_SEEDS).split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).map(Long::parseLong);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void theInvariantsHoldAfterRandomKills(long seed) throws Exception {
        try (Round round = new Round(seed)) {
            round.run();
            round.assertInvariants();
        }
    }

    /** One seeded round: its own broker, store and services. */
    private static final class Round implements AutoCloseable {
        private final long seed;
        private final SplittableRandom rnd;
        private final LocalKafkaBroker broker;
        private final Path dir;
        private final ArtifactRef base;
        private final Map<String, ServiceProcess> services = new LinkedHashMap<>();
        private final Map<String, Integer> runs = new HashMap<>();
        private final Map<String, String> bad = new LinkedHashMap<>();
        private final List<String> events = new ArrayList<>();
        private final long t0 = System.currentTimeMillis();
        /** Good images sent so far. */
        private volatile int good;

        Round(long seed) throws Exception {
            this.seed = seed;
            // SplittableRandom mixes its seed: java.util.Random's first draws from nearby seeds (11, 23) are nearly equal
            this.rnd = new SplittableRandom(seed);
            this.broker = LocalKafkaBroker.start();
            try (Admin admin = broker.admin()) {
                TopicProvisioner.createMissing(admin, (short) 1);
            }
            this.dir = Files.createTempDirectory("vbp-chaos-" + seed + "-");
            this.base = new DirectoryModelStore(dir.resolve("store")).put(ROOT.resolve("models/fmnist-vit/model.onnx"));
        }

        void run() throws Exception {
            event("seed " + seed + ", logs in " + dir);
            for (String s : List.of("collector", "aggregator", "pruner")) {
                services.put(s, start(s));
            }
            IdxImages.Images set = IdxImages.readImages(ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"), MAX_IMAGES);
            int[] labels = IdxImages.readLabels(ROOT.resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"), MAX_IMAGES);
            SplittableRandom draw = rnd.split();
            ExecutorService sender = Executors.newSingleThreadExecutor();
            Future<?> sent = sender.submit(() -> {
                send(set, labels, draw, CHAOS_IMAGES);
                return null;
            });
            // the kill moments, drawn in [2 s, 40 s) of the 50 s stream, in order (a restart pushes the later ones back)
            long[] at = new long[KILLS];
            for (int i = 0; i < KILLS; i++) {
                at[i] = 2000 + rnd.nextInt(38_000);
            }
            Arrays.sort(at);
            List<String> names = List.copyOf(services.keySet());
            for (long moment : at) {
                sleepUntil(t0 + moment);
                String victim = names.get(rnd.nextInt(names.size()));
                services.get(victim).kill();
                event(victim + " SIGKILL" + (sent.isDone() ? " (after the last image was sent)" : ""));
                services.put(victim, start(victim));
                event(victim + " ready again");
            }
            sent.get();
            sender.shutdown();
            event(good + " images sent during the kills");
            long deadline = System.nanoTime() + 300_000_000_000L;
            while (good < MAX_IMAGES && System.nanoTime() < deadline && promoted(latestVersions()).isEmpty()) {
                send(set, labels, draw, 250);
            }
            event("the last image sent: " + good + " in all");
            await(this::settled, 180);
            event(settled() ? "settled" : "not settled after 300 s");
        }

        /** Every block counted in full over the versions served, a promoted child, and no candidate left open. */
        private boolean settled() {
            try {
                Map<String, ModelVersion> latest = latestVersions();
                boolean open = latest.values().stream().anyMatch(v -> v.status() == ModelVersion.Status.CANDIDATE);
                return promoted(latest).isPresent() && !open
                        && countsOverVersions(latest).values().stream().allMatch(c -> c == (long) good * TOKENS);
            } catch (Exception e) {
                return false;
            }
        }

        void assertInvariants() throws Exception {
            String context = "seed " + seed + "\n" + String.join("\n", events) + "\npruner's summary: " + prunerSummary();
            Map<String, ModelVersion> latest = latestVersions();
            Map<String, Long> counts = countsOverVersions(latest);
            assertEquals(BLOCKS, counts.size(), context);
            counts.forEach((block, count) -> assertEquals((long) good * TOKENS, count,
                    block + ": counts summed over " + latest.keySet() + " (nothing lost, nothing counted twice); " + context));

            Set<String> predicted = new HashSet<>();
            for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(broker.bootstrapServers(), Topic.PREDICTIONS.topicName())) {
                assertTrue(predicted.add(r.key()), "predicted twice: " + r.key() + "; " + context);
            }
            assertEquals(good, predicted.size(), "good images predicted; " + context);
            Map<String, String> dead = new HashMap<>();
            for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(broker.bootstrapServers(), Topic.IMAGES_DLQ.topicName())) {
                assertEquals(null, dead.put(r.key(), VbpHeaders.get(r.headers(), VbpHeaders.DLQ_REASON)),
                        "dead-lettered twice: " + r.key() + "; " + context);
            }
            assertEquals(bad, dead, "every bad record dead-lettered once with its reason; " + context);

            List<ModelVersion> open = latest.values().stream().filter(v -> v.status() == ModelVersion.Status.CANDIDATE).toList();
            assertEquals(List.of(), open, "candidates without a verdict; " + context);
            ModelVersion promoted = promoted(latest).orElseThrow(() -> new AssertionError("no promoted pruned version: " + latest.values() + "; " + context));
            Path file = new DirectoryModelStore(dir.resolve("store"))
                    .fetch(new ArtifactRef(URI.create(promoted.uri()), promoted.sha256(), -1));
            assertEquals(promoted.sha256(), OnnxModels.sha256(file), "the promoted artifact verifies; " + context);
        }

        private static Optional<ModelVersion> promoted(Map<String, ModelVersion> latest) {
            return latest.values().stream().filter(v -> v.generation() >= 1 && v.status() == ModelVersion.Status.PROMOTED)
                    .findFirst();
        }

        private String prunerSummary() {
            try {
                String body = services.get("pruner").get("/models/" + MODEL_ID + "/summary").body();
                return body.length() > 4000 ? body.substring(0, 4000) + "..." : body;
            } catch (Exception e) {
                return "(" + e + ")";
            }
        }

        /** The last record of each version on {@code model-versions} (the topic is compacted by version). */
        private Map<String, ModelVersion> latestVersions() {
            Map<String, ModelVersion> out = new LinkedHashMap<>();
            for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(broker.bootstrapServers(), Topic.MODEL_VERSIONS.topicName())) {
                ModelVersion v = ModelVersion.read(r.value());
                out.put(v.version(), v);
            }
            return out;
        }

        /** Per block, the aggregated count summed over the base and every version on {@code model-versions}. */
        private Map<String, Long> countsOverVersions(Map<String, ModelVersion> versions) throws Exception {
            ObjectMapper json = new ObjectMapper();
            Set<String> names = new LinkedHashSet<>(List.of("base"));
            names.addAll(versions.keySet());
            Map<String, Long> out = new LinkedHashMap<>();
            for (int b = 0; b < BLOCKS; b++) {
                long sum = 0;
                for (String v : names) {
                    var r = services.get("aggregator").get("/statistics/models/" + MODEL_ID + "/versions/" + v + "/blocks/mlp" + b);
                    if (r.statusCode() == 200) {
                        sum += json.readTree(r.body()).get("count").asLong();
                    } else if (r.statusCode() != 404) {
                        throw new IllegalStateException("aggregator answered " + r.statusCode() + " for " + v + "/mlp" + b);
                    }
                }
                out.put("mlp" + b, sum);
            }
            return out;
        }

        /** Sends the next {@code count} good images at {@link #RATE}, a bad record after every {@link #BAD_EVERY}. */
        private void send(IdxImages.Images set, int[] labels, SplittableRandom draw, int count) throws Exception {
            byte[] png = TrafficReplayer.png(set, 0);
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 180_000,
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, 180_000), new StringSerializer(), new ByteArraySerializer())) {
                long start = System.nanoTime();
                int from = good;
                for (int i = from; i < from + count; i++) {
                    p.send(record(String.format("img-%05d", i), TrafficReplayer.png(set, i), "image/png", labels[i]));
                    if (i % BAD_EVERY == BAD_EVERY - 1) {
                        String key = "bad-" + i;
                        switch (draw.nextInt(3)) {
                            case 0 -> {
                                p.send(record(key, "garbage".getBytes(), "image/png", 0));
                                bad.put(key, "UNDECODABLE");
                            }
                            case 1 -> {
                                p.send(record(key, Arrays.copyOf(png, png.length / 2), "image/png", 0));
                                bad.put(key, "UNDECODABLE");
                            }
                            default -> {
                                p.send(record(key, png, "text/plain", 0));
                                bad.put(key, "UNSUPPORTED_CONTENT_TYPE");
                            }
                        }
                    }
                    good = i + 1;
                    long wait = start + (long) ((i + 1 - from) * 1e9 / RATE) - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                p.flush();
            }
        }

        private static ProducerRecord<String, byte[]> record(String key, byte[] value, String contentType, int label) {
            RecordHeaders h = new RecordHeaders();
            VbpHeaders.put(h, VbpHeaders.CONTENT_TYPE, contentType);
            VbpHeaders.put(h, VbpHeaders.LABEL, Integer.toString(label));
            return new ProducerRecord<>(Topic.IMAGES.topicName(), null, key, value, h);
        }

        private ServiceProcess start(String service) throws Exception {
            int run = runs.merge(service, 1, Integer::sum);
            Path card = ROOT.resolve("models/fmnist-vit/model.json");
            ServiceSettings s = ServiceSettings.on(broker.bootstrapServers()).store(dir.resolve("store"));
            ServiceSettings.App app = switch (service) {
                case "collector" -> {
                    // a covariance within a few hundred images even when a kill has dropped what was gathered
                    s.collector("chaos-collector", base.uri().toString(), card)
                            .set("vbp.collector.covariance.first-publication", "1024");
                    yield ServiceSettings.App.COLLECTOR;
                }
                case "aggregator" -> {
                    s.aggregator(dir.resolve("aggregator-state")).set("kafka-streams.session.timeout.ms", "6000");
                    yield ServiceSettings.App.AGGREGATOR;
                }
                case "pruner" -> {
                    s.pruner(base.uri().toString(), card, 0.90).set("vbp.pruner.instance-id", "chaos-pruner")
                            .set("vbp.pruner.convergence.covariance-n-min", "2048");
                    yield ServiceSettings.App.PRUNER;
                }
                default -> throw new IllegalArgumentException(service);
            };
            return s.start(app, dir.resolve(service + "-" + run + ".log"));
        }

        private void event(String what) {
            String line = "chaos seed " + seed + " t+" + (System.currentTimeMillis() - t0) + "ms: " + what;
            events.add(line);
            System.out.println(line);
        }

        private static void await(Supplier<Boolean> done, int seconds) throws InterruptedException {
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            while (!done.get() && System.nanoTime() < deadline) {
                Thread.sleep(1000);
            }
        }

        private static void sleepUntil(long millis) throws InterruptedException {
            long wait = millis - System.currentTimeMillis();
            if (wait > 0) {
                Thread.sleep(wait);
            }
        }

        @Override
        public void close() throws Exception {
            for (ServiceProcess p : services.values()) {
                p.close();
            }
            broker.close();
        }
    }
}
