package io.vbpstream.pruner;

import io.vbpstream.testbed.PipelineTestBed;
import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
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
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An {@code OutOfMemoryError} in the co-moments follower takes the pruner's liveness down. The issue it guards
 * against: at DeiT-Small size, with too small a heap, {@code follow-layer-comoments} died of OOM and the pruner stayed
 * UP for good while it could never promote again. Here {@code layer-comoments} holds about 320 MB of tiles (of many
 * versions, all of which the follower keeps until it has caught up) and the pruner gets a 160 MB heap.
 */
class PrunerLivenessIT {

    @Test
    void anOutOfMemoryErrorInTheCoMomentsFollowerMakesThePrunerNotLive() throws Exception {
        Path dir = Files.createTempDirectory("vbp-pruner-liveness-it");
        try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
            try (Admin admin = broker.admin()) {
                TopicProvisioner.createMissing(admin, (short) 1);
            }
            publishTiles(broker.bootstrapServers(), 600);
            Map<String, String> s = new LinkedHashMap<>();
            s.put("kafka.bootstrap.servers", broker.bootstrapServers());
            s.put("vbp.pruner.store.directory", dir.resolve("store").toString());
            s.put("vbp.pruner.model.base-uri", "vbp-store:sha256/" + "0".repeat(64) + ".onnx");
            s.put("vbp.pruner.model.card", PipelineTestBed.CARD.toString());
            ServiceProcess pruner = ServiceProcess.launch(ServiceSettings.App.PRUNER.jar(), s, Map.of(),
                    dir.resolve("pruner.log"), "160m");
            try {
                HttpResponse<String> live = awaitNotLive(pruner, Duration.ofSeconds(120));
                assertEquals(503, live.statusCode(), live.body());
                assertTrue(live.body().contains("follow-" + Topic.LAYER_COMOMENTS.topicName()), live.body());
                assertTrue(live.body().contains("OutOfMemoryError"), live.body());
                assertTrue(pruner.log().contains("vital thread follow-" + Topic.LAYER_COMOMENTS.topicName() + " died"),
                        "the log says which thread died and why");
            } finally {
                pruner.close();
            }
        }
    }

    /** {@code count} valid off-diagonal 256 x 256 tiles of width-3072 blocks, each under its own key. */
    private static void publishTiles(String bootstrap, int count) {
        byte[] tile = CoMomentsCodec.encode(new CoMomentsTile(3072, 256, 0, 1, 100, new double[256], new double[256],
                new double[256 * 256]));
        // one request in flight, no idempotence: the topics were just created, and an idempotent producer whose first
        // batches met NOT_LEADER_OR_FOLLOWER spent two minutes in OUT_OF_ORDER_SEQUENCE retries here
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1 << 20, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                MomentsKey block = new MomentsKey("fmnist-vit", "v" + (i / 60), "mlp" + (i % 60) / 6);
                CoMomentsKey key = new CoMomentsKey(block, i % 6, 6 + i % 6);
                p.send(new ProducerRecord<>(Topic.LAYER_COMOMENTS.topicName(), key.toString(), tile));
            }
            p.flush();
        }
    }

    private static HttpResponse<String> awaitNotLive(ServiceProcess p, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            last = p.get("/q/health/live");
            if (last.statusCode() == 503) {
                return last;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the pruner stayed live for " + timeout + " (last answer " + (last == null ? "none"
                : last.statusCode() + " " + last.body()) + ")\n" + p.tail());
    }
}
