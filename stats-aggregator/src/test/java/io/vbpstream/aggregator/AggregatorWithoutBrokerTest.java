package io.vbpstream.aggregator;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vbpstream.platform.LocalKafkaBroker;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

/**
 * The aggregator in-process with no broker: Kafka Streams never reaches RUNNING, so readiness is down and every query
 * answers 503 with the reason at once: no waiting, no empty listing passed off as an answer.
 */
@QuarkusTest
@WithTestResource(AggregatorWithoutBrokerTest.NoBroker.class)
class AggregatorWithoutBrokerTest {

    @Test
    void queriesAnswer503WithAReasonWhileStreamsIsNotRunning() {
        given().get("/statistics/models").then().statusCode(503)
                .header("Retry-After", "1")
                .body(containsString("Kafka Streams is"));
        given().get("/statistics/models/fmnist-vit/versions/base/blocks/mlp0").then().statusCode(503)
                .body(containsString("reason"));
    }

    @Test
    void malformedNamesAre400NotAStoreLookup() {
        given().get("/statistics/models/fmnist-vit/versions/base/blocks/a..b%20c").then().statusCode(400);
    }

    @Test
    void readinessFollowsTheStreamsStateAndLivenessDoesNotNeedTheBroker() {
        given().get("/q/health/ready").then().statusCode(503);
        given().get("/q/health/live").then().statusCode(200);
    }

    public static class NoBroker implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            try {
                return Map.of("kafka.bootstrap.servers", "127.0.0.1:" + LocalKafkaBroker.freePort(),
                        "vbp.aggregator.state-dir", Files.createTempDirectory("aggregator-state").toString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void stop() {
        }
    }
}
