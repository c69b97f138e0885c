package io.vbpstream.pruner.prune;

import io.vbpstream.platform.KafkaClientSettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
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
        Map<String, Object> c = KafkaClientSettings.consumer(kafka);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxFetch);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Every partition of {@code topic}, assigned to {@code k}. */
    static List<TopicPartition> partitions(KafkaConsumer<?, ?> k, String topic) {
        List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo p : k.partitionsFor(topic, Duration.ofSeconds(30))) {
            parts.add(new TopicPartition(topic, p.partition()));
        }
        k.assign(parts);
        return parts;
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
