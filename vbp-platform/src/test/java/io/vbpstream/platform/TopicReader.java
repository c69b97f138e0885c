package io.vbpstream.platform;

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
import java.util.function.Predicate;

/**
 * Reads a whole topic from its start as a {@code read_committed} consumer (no group, nothing committed): what a
 * downstream reader would see, aborted transactions excluded. For integration tests.
 */
public final class TopicReader {

    private TopicReader() {
    }

    /** Every committed record now in {@code topic}, read until the end offsets of all partitions. */
    public static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic) {
        try (KafkaConsumer<String, byte[]> c = consumer(bootstrap)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo p : c.partitionsFor(topic, Duration.ofSeconds(10))) {
                parts.add(new TopicPartition(topic, p.partition()));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end in 30 s");
                }
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    /**
     * Reads {@code topic} again and again until {@code done} holds for its committed records, or {@code timeout}.
     *
     * @return the records that satisfied {@code done}
     * @throws AssertionError with the last count if the time runs out
     */
    public static List<ConsumerRecord<String, byte[]>> awaitRecords(String bootstrap, String topic,
                                                                     Predicate<List<ConsumerRecord<String, byte[]>>> done,
                                                                     Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumerRecord<String, byte[]>> records = readAll(bootstrap, topic);
        while (!done.test(records)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("after " + timeout + ", " + topic + " holds " + records.size()
                        + " committed records, which is not what was awaited");
            }
            Thread.sleep(500);
            records = readAll(bootstrap, topic);
        }
        return records;
    }

    private static KafkaConsumer<String, byte[]> consumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 << 20),
                new StringDeserializer(), new ByteArrayDeserializer());
    }
}
