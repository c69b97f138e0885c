package io.vbpstream.pruner.prune;

import io.vbpstream.platform.AssignedReaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The Kafka side of {@link RecentImages}: {@code read_committed} consumers without a group, assigned whole topics,
 * polled up to given end offsets.
 */
final class RecentRecords {

    private RecentRecords() {
    }

    /** A {@code read_committed} consumer with no group and no auto-commit, fetching up to {@code maxFetch} bytes. */
    static KafkaConsumer<String, byte[]> consumer(Map<String, Object> kafka, int maxFetch) {
        return new KafkaConsumer<>(AssignedReaders.settings(kafka, maxFetch), new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    /** Every partition of {@code topic}, assigned to {@code k}. */
    static List<TopicPartition> partitions(KafkaConsumer<?, ?> k, String topic) {
        return AssignedReaders.assignAll(k, topic);
    }

    /** Polls until every partition's position reaches {@code end} (or 30 s), handing each record below it on. */
    static void readUntil(KafkaConsumer<String, byte[]> k, Map<TopicPartition, Long> end,
                          java.util.function.Consumer<ConsumerRecord<String, byte[]>> each) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (end.keySet().stream().anyMatch(tp -> k.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : k.poll(Duration.ofMillis(200))) {
                if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                    each.accept(r);
                }
            }
        }
    }
}
