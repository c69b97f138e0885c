package io.vbpstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vbpstream.core.data.IdxImages;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.core.store.DirectoryModelStore;
import io.vbpstream.platform.KafkaCredentialsCheck;
import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicProvisioner;
import io.vbpstream.platform.message.VbpHeaders;
import io.vbpstream.replayer.TrafficReplayer;
import org.apache.kafka.clients.admin.Admin;
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
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The three services against a broker whose only client listener is SASL/SCRAM-SHA-512, with the credentials passed
 * the way a Kubernetes Secret passes them (environment variables {@code KAFKA_SECURITY_PROTOCOL},
 * {@code KAFKA_SASL_MECHANISM}, {@code KAFKA_SASL_JAAS_CONFIG}): with the right password the pipeline works end to
 * end; with a wrong one each service stops by itself with a clear message and exit status 78; and no password shows
 * in any log or on any metrics page.
 */
class SaslScramIT {

    private static final Path ROOT = LocalKafkaBroker.repoRoot();
    private static final int IMAGES = 300;
    private static final int TOKENS = 50;
    private static final String ADMIN = "vbp-admin";
    private static final String SERVICE = "vbp-service";
    /** Random per run, so that finding it anywhere can only mean it leaked. */
    private static final String ADMIN_PASSWORD = secret();
    private static final String PASSWORD = secret();
    private static final String WRONG_PASSWORD = secret();
    private static final String ADMIN_TOKEN = secret();

    private static LocalKafkaBroker broker;
    private static Path dir;
    private static ArtifactRef base;
    private static final Map<String, ServiceProcess> services = new LinkedHashMap<>();

    @BeforeAll
    static void startPipeline() throws Exception {
        Map<String, String> users = new LinkedHashMap<>();
        users.put(ADMIN, ADMIN_PASSWORD);
        users.put(SERVICE, PASSWORD);
        broker = LocalKafkaBroker.startWithScram(users);
        try (Admin admin = broker.admin()) {
            TopicProvisioner.createMissing(admin, (short) 1);
        }
        dir = Files.createTempDirectory("vbp-sasl-it");
        base = new DirectoryModelStore(dir.resolve("store")).put(ROOT.resolve("models/fmnist-vit/model.onnx"));
        Map<String, String> env = credentials(PASSWORD);
        services.put("aggregator", ServiceProcess.start(app("aggregator"), settings("aggregator"), env, dir.resolve("aggregator.log")));
        Map<String, String> prunerEnv = new HashMap<>(env);
        prunerEnv.put("VBP_PRUNER_ADMIN_TOKEN", ADMIN_TOKEN);
        services.put("pruner", ServiceProcess.start(app("pruner"), settings("pruner"), prunerEnv, dir.resolve("pruner.log")));
        services.put("collector", ServiceProcess.start(app("collector"), settings("collector"), env, dir.resolve("collector.log")));
        sendImages();
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServiceProcess p : services.values()) {
            p.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void theWholePipelineRunsWithTheRightCredentials() throws Exception {
        ServiceProcess collector = services.get("collector");
        ServiceProcess aggregator = services.get("aggregator");
        ServiceProcess pruner = services.get("pruner");
        await(() -> collector.metric("vbp_collector_images_total") >= IMAGES, "the collector to predict every image");
        assertEquals(IMAGES, collector.metric("vbp_collector_images_total"));
        ObjectMapper json = new ObjectMapper();
        for (int b = 0; b < 6; b++) {
            String path = "/statistics/models/fmnist-vit/versions/base/blocks/mlp" + b;
            await(() -> {
                var r = aggregator.get(path);
                return r.statusCode() == 200 && json.readTree(r.body()).get("count").asLong() >= (long) IMAGES * TOKENS;
            }, "the aggregator's totals of " + path);
            assertEquals((long) IMAGES * TOKENS, json.readTree(aggregator.get(path).body()).get("count").asLong(), path);
        }
        // the pruner published the base version and reads it back, both through the SCRAM listener
        await(() -> pruner.get("/models/fmnist-vit/versions/base").statusCode() == 200, "the base version on model-versions");
        JsonNode v = json.readTree(pruner.get("/models/fmnist-vit/versions/base").body());
        assertEquals(base.sha256(), v.get("version").get("sha256").asText());
        assertEquals(200, pruner.get("/q/health/ready").statusCode());
        // the admin token arrived through the environment: a wrong one is forbidden; the right one gets through to
        // the request itself (rolling back the base version conflicts: it has no parent)
        assertEquals(403, rollbackBase(pruner, "wrong-token"));
        assertEquals(409, rollbackBase(pruner, ADMIN_TOKEN));
    }

    private static int rollbackBase(ServiceProcess pruner, String token) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(pruner.url("/models/fmnist-vit/versions/base/rollback")))
                .header("Authorization", "Bearer " + token).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void aWrongPasswordStopsEachServiceWithAClearMessage() throws Exception {
        Map<String, ServiceProcess> refused = new LinkedHashMap<>();
        for (String name : List.of("collector", "aggregator", "pruner")) {
            Map<String, String> s = new HashMap<>(settings(name));
            s.put("vbp.aggregator.state-dir", dir.resolve("refused-aggregator-state").toString());
            s.put("vbp.collector.instance-id", "sasl-it-refused");
            refused.put(name, ServiceProcess.launch(app(name), s, credentials(WRONG_PASSWORD), dir.resolve(name + "-refused.log")));
        }
        for (Map.Entry<String, ServiceProcess> e : refused.entrySet()) {
            OptionalInt status = e.getValue().awaitExit(Duration.ofSeconds(120));
            String log = e.getValue().log();
            assertTrue(status.isPresent(), e.getKey() + " still runs with a wrong password:\n" + e.getValue().tail());
            assertEquals(KafkaCredentialsCheck.EXIT_CONFIG, status.getAsInt(), e.getKey() + ":\n" + e.getValue().tail());
            assertTrue(log.contains("refused this service's Kafka credentials"), e.getKey() + " says why:\n" + e.getValue().tail());
            assertTrue(log.contains("kafka.sasl.jaas.config"), e.getKey() + " names the setting to fix");
            assertFalse(log.contains(WRONG_PASSWORD), e.getKey() + " logged the password it was given");
        }
    }

    @Test
    void noPasswordInAnyLogOrMetricsPage() throws Exception {
        for (Map.Entry<String, ServiceProcess> e : services.entrySet()) {
            ServiceProcess p = e.getValue();
            await(() -> p.metric("jvm_threads_live_threads") > 0, e.getKey() + " metrics");
            List<String> pages = new ArrayList<>(List.of(p.log(), p.get("/q/metrics").body(), p.get("/q/health").body()));
            for (String page : pages) {
                assertFalse(page.contains(PASSWORD), e.getKey() + " shows the service password");
                assertFalse(page.contains(ADMIN_PASSWORD), e.getKey() + " shows the admin password");
                assertFalse(page.contains(ADMIN_TOKEN), e.getKey() + " shows the pruner's admin token");
            }
        }
        assertFalse(Files.readString(broker.logFile()).contains(PASSWORD), "the broker log shows the password");
    }

    private static Map<String, String> credentials(String password) {
        Map<String, String> s = LocalKafkaBroker.scramClientSettings(SERVICE, password);
        Map<String, String> env = new HashMap<>();
        s.forEach((k, v) -> env.put("KAFKA_" + k.toUpperCase(java.util.Locale.ROOT).replace('.', '_'), v));
        return env;
    }

    private static Map<String, String> settings(String service) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("kafka.bootstrap.servers", broker.bootstrapServers());
        switch (service) {
            case "collector" -> {
                s.put("vbp.collector.instance-id", "sasl-it");
                s.put("vbp.collector.model.uri", base.uri().toString());
                s.put("vbp.collector.model.card", ROOT.resolve("models/fmnist-vit/model.json").toString());
                s.put("vbp.collector.store.directory", dir.resolve("store").toString());
                s.put("vbp.collector.flush.interval", "1s");
            }
            case "aggregator" -> {
                s.put("vbp.aggregator.state-dir", dir.resolve("aggregator-state").toString());
                s.put("vbp.aggregator.host", "127.0.0.1");
                s.put("vbp.aggregator.emit-interval", "500ms");
            }
            case "pruner" -> {
                s.put("vbp.pruner.model.base-uri", base.uri().toString());
                s.put("vbp.pruner.model.card", ROOT.resolve("models/fmnist-vit/model.json").toString());
                s.put("vbp.pruner.store.directory", dir.resolve("store").toString());
                s.put("vbp.pruner.auto", "false");
            }
            default -> throw new IllegalArgumentException(service);
        }
        return s;
    }

    private static Path app(String service) {
        return Path.of(System.getProperty("vbp." + service + ".app"));
    }

    private static void sendImages() throws Exception {
        IdxImages.Images set = IdxImages.readImages(ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"), IMAGES);
        Map<String, Object> c = new HashMap<>(LocalKafkaBroker.scramClientSettings(ADMIN, ADMIN_PASSWORD));
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(c, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < IMAGES; i++) {
                RecordHeaders h = new RecordHeaders();
                VbpHeaders.put(h, VbpHeaders.CONTENT_TYPE, "image/png");
                p.send(new ProducerRecord<>(Topic.IMAGES.topicName(), null, String.format("img-%05d", i),
                        TrafficReplayer.png(set, i), h));
            }
            p.flush();
        }
    }

    private static String secret() {
        byte[] b = new byte[12];
        new SecureRandom().nextBytes(b);
        return "pw" + HexFormat.of().formatHex(b);
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void await(Check c, String what) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!c.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 120 s waiting for " + what);
            }
            Thread.sleep(500);
        }
    }
}
