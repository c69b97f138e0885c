package io.vbpstream.pruner.follow;

import io.vbpstream.platform.LocalKafkaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15, scenario 8: when a follower's consumer fails and is opened again, it read the topic again from its start
 * into the live views, so for a moment a view held a key's older value (an older promoted version, say). Now it
 * resumes where it left off and hands no record twice.
 */
class CompactedTopicFollowerIT {

    @Test
    void aFollowerOpenedAgainHandsNoRecordTwiceSoAViewNeverGoesBack() throws Exception {
        LocalKafkaBroker broker = LocalKafkaBroker.shared();
        String topic = "follower-it";
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
                    .all().get();
        }
        Map<String, Object> kafka = Map.of("bootstrap.servers", broker.bootstrapServers());
        List<String> handed = new CopyOnWriteArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new StringSerializer(),
                new ByteArraySerializer());
             CompactedTopicFollower follower = new CompactedTopicFollower(topic, kafka,
                     r -> handed.add(r.key() + "=" + new String(r.value(), StandardCharsets.UTF_8)), k -> () -> { })) {
            for (String v : List.of("v1", "v2", "v3")) {
                producer.send(new ProducerRecord<>(topic, "current", v.getBytes(StandardCharsets.UTF_8))).get();
                producer.send(new ProducerRecord<>(topic, "other-" + v, v.getBytes(StandardCharsets.UTF_8))).get();
            }
            follower.start();
            await(() -> follower.caughtUp() && handed.size() == 6);
            assertEquals(List.of("current=v1", "current=v2", "current=v3"),
                    handed.stream().filter(h -> h.startsWith("current=")).toList());

            follower.failNextPoll();
            producer.send(new ProducerRecord<>(topic, "current", "v4".getBytes(StandardCharsets.UTF_8))).get();
            await(() -> handed.contains("current=v4"));
            Thread.sleep(1000); // anything replayed would arrive with or before v4
            assertEquals(List.of("current=v1", "current=v2", "current=v3", "current=v4"),
                    handed.stream().filter(h -> h.startsWith("current=")).toList(), "no older value handed again");
            assertEquals(7, handed.size(), "every record once: " + handed);
            assertTrue(follower.alive());
        }
    }

    private static void await(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(50);
        }
    }
}
