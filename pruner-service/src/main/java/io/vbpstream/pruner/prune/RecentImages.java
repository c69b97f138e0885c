package io.vbpstream.pruner.prune;

import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.data.RejectedImageException;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.OffsetRange;
import io.vbpstream.platform.message.VbpHeaders;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A sample of recent traffic read back from {@code images}: the last {@code n / partitions} committed records of
 * each partition, decoded and preprocessed as the model card says. Undecodable records are skipped (the collector
 * dead-letters them); a {@code label} header, as a class index or a class name, becomes the ground truth.
 */
public final class RecentImages {

    /** The sample: inputs {@code [count, C, H, W]}, labels (-1 where unknown) and where it came from. */
    public record Sample(float[] inputs, int count, int[] labels, List<OffsetRange> ranges) {
        public boolean labelled() {
            for (int l : labels) {
                if (l >= 0) {
                    return true;
                }
            }
            return false;
        }
    }

    private RecentImages() {
    }

    public static Sample read(Map<String, Object> kafka, int n, ModelCard card) {
        Preprocessor pre = new Preprocessor(card.input());
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.Limits.DEFAULT);
        Map<String, Object> c = new HashMap<>(kafka);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topic.IMAGES.maxMessageBytes() + (64 << 10));
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        String topic = Topic.IMAGES.topicName();
        List<float[]> inputs = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<OffsetRange> ranges = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> k = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo p : k.partitionsFor(topic, Duration.ofSeconds(30))) {
                parts.add(new TopicPartition(topic, p.partition()));
            }
            k.assign(parts);
            Map<TopicPartition, Long> begin = k.beginningOffsets(parts);
            Map<TopicPartition, Long> end = k.endOffsets(parts);
            int per = (n + parts.size() - 1) / parts.size();
            for (TopicPartition tp : parts) {
                long from = Math.max(begin.get(tp), end.get(tp) - per);
                k.seek(tp, from);
                if (end.get(tp) > from) {
                    ranges.add(new OffsetRange(topic, tp.partition(), from, end.get(tp) - 1));
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> k.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : k.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= end.get(new TopicPartition(topic, r.partition()))) {
                        continue;
                    }
                    try {
                        float[] x = new float[pre.size()];
                        pre.image(decoder.decode(r.value(), VbpHeaders.get(r.headers(), VbpHeaders.CONTENT_TYPE)), x, 0);
                        inputs.add(x);
                        labels.add(label(VbpHeaders.get(r.headers(), VbpHeaders.LABEL), card));
                    } catch (RejectedImageException | IllegalArgumentException e) {
                        // not an image the model can take: the collector dead-letters it, the gate skips it
                    }
                }
            }
        }
        float[] all = new float[inputs.size() * pre.size()];
        for (int i = 0; i < inputs.size(); i++) {
            System.arraycopy(inputs.get(i), 0, all, i * pre.size(), pre.size());
        }
        return new Sample(all, inputs.size(), labels.stream().mapToInt(Integer::intValue).toArray(), ranges);
    }

    static int label(String header, ModelCard card) {
        if (header == null || header.isBlank()) {
            return -1;
        }
        try {
            return Integer.parseInt(header.trim());
        } catch (NumberFormatException e) {
            return card.labels() == null ? -1 : card.labels().indexOf(header.trim());
        }
    }
}
