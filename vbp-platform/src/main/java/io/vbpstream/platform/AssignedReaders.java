package io.vbpstream.platform;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Consumers that read whole topics without a group: {@code read_committed}, no auto-commit, no {@code group.id},
 * every partition assigned by hand. The pruner's compacted-topic followers and its gate's readers are such.
 */
public final class AssignedReaders {

    private AssignedReaders() {
    }

    /** The client settings of {@code kafka} ({@link KafkaClientSettings#consumer}) for such a reader. */
    public static Map<String, Object> settings(Map<String, ?> kafka, int maxPartitionFetchBytes) {
        Map<String, Object> c = KafkaClientSettings.consumer(kafka);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxPartitionFetchBytes);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return c;
    }

    /** Assigns every partition of {@code topic} to {@code consumer} (30 s to learn them) and returns them. */
    public static List<TopicPartition> assignAll(Consumer<?, ?> consumer, String topic) {
        List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
            parts.add(new TopicPartition(topic, p.partition()));
        }
        consumer.assign(parts);
        return parts;
    }
}
