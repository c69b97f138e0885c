package io.vbpstream.collector;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.core.store.DirectoryModelStore;
import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.message.Messages;
import io.vbpstream.platform.message.ModelVersion;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The collector in-process with no broker at all (its address points at a closed port) and the model-versions
 * channel on the in-memory connector: liveness stays up, readiness says why it is down, and promotions are loaded,
 * verified and refused without Kafka.
 */
@QuarkusTest
@WithTestResource(CollectorWithoutBrokerTest.Store.class)
class CollectorWithoutBrokerTest {

    @Inject
    @Connector("smallrye-in-memory")
    InMemoryConnector connector;

    @Test
    void livenessDoesNotDependOnTheBrokerButReadinessDoes() {
        await(() -> given().get("/q/health/ready").body().asString().contains("fmnist-vit/base"), "model loaded");
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(503)
                .body(containsString("unreachable"))
                .body(containsString("fmnist-vit/base"));
    }

    @Test
    void promotionsAreVerifiedBeforeTheyServe() {
        var source = connector.<byte[]>source("model-versions");
        String absent = "1".repeat(64);
        source.send(Messages.write(ModelVersion.of("fmnist-vit", "g9-absent", "vbp-store:sha256/" + absent + ".onnx",
                absent, "base", 1, "2026-11-27T00:00:00Z")));
        await(() -> metrics().contains("vbp_collector_model_refusals_total{" + TAGS + ",reason=\"MISSING\"} 1.0"), "MISSING refusal");

        source.send("{\"schema\":7}".getBytes(StandardCharsets.UTF_8));
        await(() -> metrics().contains("vbp_collector_model_version_messages_rejected_total{" + TAGS
                + ",reason=\"UNKNOWN_SCHEMA\"} 1.0"),
                "unknown schema counted");

        ArtifactRef ref = Store.ref;
        source.send(Messages.write(ModelVersion.of("fmnist-vit", "base-again", ref.uri().toString(), ref.sha256(),
                "base", 1, "2026-11-27T00:00:00Z")));
        // swapped in by the pipeline thread between (failed) attempts to reach the broker
        await(() -> metrics().contains("vbp_collector_serving_model_info{" + TAGS + ",sha256=\"" + ref.sha256()
                + "\",version=\"base-again\"} 1.0"), "base-again served");
        assertTrue(!metrics().contains("version=\"g9-absent\""), "a refused version is never served");
    }

    /** The common tags every meter carries, as Prometheus prints them first. */
    private static final String TAGS = "application=\"activation-collector\",model=\"fmnist-vit\"";

    private static String metrics() {
        return given().get("/q/metrics").body().asString();
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for: " + what);
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** A model store in a temporary folder holding the reference model; Kafka pointed at a port nobody listens on. */
    public static class Store implements QuarkusTestResourceLifecycleManager {

        static ArtifactRef ref;

        @Override
        public Map<String, String> start() {
            try {
                Path root = LocalKafkaBroker.repoRoot();
                DirectoryModelStore store = new DirectoryModelStore(Files.createTempDirectory("vbp-store"));
                ref = store.put(root.resolve("models/fmnist-vit/model.onnx"));
                InMemoryConnector.switchIncomingChannelsToInMemory("model-versions");
                return Map.of(
                        "kafka.bootstrap.servers", "127.0.0.1:" + LocalKafkaBroker.freePort(),
                        "vbp.collector.store.directory", store.root().toString(),
                        "vbp.collector.model.uri", ref.uri().toString(),
                        "vbp.collector.model.card", root.resolve("models/fmnist-vit/model.json").toString(),
                        "mp.messaging.incoming.model-versions.connector", "smallrye-in-memory");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void stop() {
            InMemoryConnector.clear();
        }
    }
}
