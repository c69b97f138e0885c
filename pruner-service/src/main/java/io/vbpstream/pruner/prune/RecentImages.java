package io.vbpstream.pruner.prune;

import io.vbpstream.core.data.ModelCard;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.OffsetRange;
import io.vbpstream.platform.message.Prediction;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A sample of recent traffic read back from {@code images}, decoded and preprocessed as the model card says.
 * Undecodable records are skipped (the collector dead-letters them); a {@code label} header, as a class index or a
 * class name, becomes the ground truth.
 *
 * <p>{@link #readPredicted} takes the images the parent version has already predicted, with its top-1 from
 * {@code predictions}, so the gate runs only the candidate; {@link #read} takes the last records of each partition,
 * for when there are too few such predictions (the parent must then be run too).
 */
public final class RecentImages {

    /**
     * The sample: inputs {@code [count, C, H, W]} row-major from the array's start (the array may be longer), labels
     * (-1 where unknown), the parent's top-1 per image (null when the parent has to be run), and where each image came
     * from.
     */
    public record Sample(float[] inputs, int count, int[] labels, int[] parentTop1, List<Prediction.Source> sources) {
        public boolean labelled() {
            for (int l : labels) {
                if (l >= 0) {
                    return true;
                }
            }
            return false;
        }

        /** The offsets of the first {@code n} images, as runs of consecutive offsets per partition. */
        public List<OffsetRange> ranges(int n) {
            Map<Integer, TreeSet<Long>> byPartition = new TreeMap<>();
            for (Prediction.Source s : sources.subList(0, n)) {
                byPartition.computeIfAbsent(s.partition(), k -> new TreeSet<>()).add(s.offset());
            }
            List<OffsetRange> out = new ArrayList<>();
            byPartition.forEach((partition, offsets) -> {
                long from = -1;
                long to = -1;
                for (long o : offsets) {
                    if (from >= 0 && o == to + 1) {
                        to = o;
                        continue;
                    }
                    if (from >= 0) {
                        out.add(new OffsetRange(Topic.IMAGES.topicName(), partition, from, to));
                    }
                    from = o;
                    to = o;
                }
                if (from >= 0) {
                    out.add(new OffsetRange(Topic.IMAGES.topicName(), partition, from, to));
                }
            });
            return out;
        }
    }

    private RecentImages() {
    }

    /** The last {@code n / partitions} committed records of each partition of {@code images}. */
    public static Sample read(Map<String, Object> kafka, int n, ModelCard card) {
        try (KafkaConsumer<String, byte[]> k =
                     RecentRecords.consumer(kafka, Topic.IMAGES.maxMessageBytes() + (64 << 10))) {
            List<TopicPartition> parts = RecentRecords.partitions(k, Topic.IMAGES.topicName());
            Map<TopicPartition, Long> begin = k.beginningOffsets(parts);
            Map<TopicPartition, Long> end = k.endOffsets(parts);
            int per = (n + parts.size() - 1) / parts.size();
            Map<TopicPartition, long[]> spans = new LinkedHashMap<>();
            for (TopicPartition tp : parts) {
                spans.put(tp, new long[] {Math.max(begin.get(tp), end.get(tp) - per), end.get(tp)});
            }
            return SampleCollector.collect(k, spans, (tp, offset) -> true, card, null);
        }
    }

    /**
     * Up to {@code n} recent images that {@code model}/{@code version} predicted, newest first and alternating over
     * the partitions, with its top-1 for each: the last {@code 2n / partitions} records of each partition of
     * {@code predictions} are read ({@code read_committed}: aborted windows are not there) and the images they name
     * are read back from {@code images}. Images already deleted by retention, or undecodable, are left out.
     */
    public static Sample readPredicted(Map<String, Object> kafka, int n, ModelCard card, String model, String version) {
        Map<TopicPartition, TreeMap<Long, Integer>> wanted = new TreeMap<>(
                java.util.Comparator.comparingInt(TopicPartition::partition));
        try (KafkaConsumer<String, byte[]> k =
                     RecentRecords.consumer(kafka, Topic.PREDICTIONS.maxMessageBytes() + (64 << 10))) {
            List<TopicPartition> parts = RecentRecords.partitions(k, Topic.PREDICTIONS.topicName());
            Map<TopicPartition, Long> begin = k.beginningOffsets(parts);
            Map<TopicPartition, Long> end = k.endOffsets(parts);
            int per = (2 * n + parts.size() - 1) / parts.size();
            for (TopicPartition tp : parts) {
                k.seek(tp, Math.max(begin.get(tp), end.get(tp) - per));
            }
            RecentRecords.readUntil(k, end, r -> {
                Prediction p;
                try {
                    p = Prediction.read(r.value());
                } catch (RuntimeException e) {
                    return; // not a prediction this reader knows: it gives no parent answer
                }
                if (model.equals(p.model()) && version.equals(p.version()) && p.source() != null && !p.top().isEmpty()
                        && Topic.IMAGES.topicName().equals(p.source().topic())) {
                    wanted.computeIfAbsent(new TopicPartition(p.source().topic(), p.source().partition()), t -> new TreeMap<>())
                            .put(p.source().offset(), p.top().get(0).index());
                }
            });
        }
        if (wanted.isEmpty()) {
            return new Sample(new float[0], 0, new int[0], new int[0], List.of());
        }
        // newest first, alternating over partitions, at most n
        Map<TopicPartition, TreeMap<Long, Integer>> chosen = new LinkedHashMap<>();
        List<java.util.Iterator<Map.Entry<Long, Integer>>> its = new ArrayList<>();
        List<TopicPartition> order = new ArrayList<>(wanted.keySet());
        for (TopicPartition tp : order) {
            its.add(wanted.get(tp).descendingMap().entrySet().iterator());
        }
        int taken = 0;
        for (boolean any = true; any && taken < n; ) {
            any = false;
            for (int i = 0; i < order.size() && taken < n; i++) {
                if (its.get(i).hasNext()) {
                    Map.Entry<Long, Integer> e = its.get(i).next();
                    chosen.computeIfAbsent(order.get(i), t -> new TreeMap<>()).put(e.getKey(), e.getValue());
                    taken++;
                    any = true;
                }
            }
        }
        try (KafkaConsumer<String, byte[]> k =
                     RecentRecords.consumer(kafka, Topic.IMAGES.maxMessageBytes() + (64 << 10))) {
            List<TopicPartition> parts = new ArrayList<>(chosen.keySet());
            k.assign(parts);
            Map<TopicPartition, Long> begin = k.beginningOffsets(parts);
            Map<TopicPartition, long[]> spans = new LinkedHashMap<>();
            chosen.forEach((tp, offsets) -> spans.put(tp, new long[] {Math.max(begin.get(tp), offsets.firstKey()),
                    offsets.lastKey() + 1}));
            return SampleCollector.collect(k, spans, (tp, offset) -> chosen.get(tp).containsKey(offset), card, chosen);
        }
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
