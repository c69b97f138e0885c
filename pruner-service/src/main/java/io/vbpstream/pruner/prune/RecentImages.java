package io.vbpstream.pruner.prune;

import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.data.RejectedImageException;
import io.vbpstream.platform.KafkaClientSettings;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.OffsetRange;
import io.vbpstream.platform.message.Prediction;
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
import java.util.Arrays;
import java.util.HashMap;
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
        try (KafkaConsumer<String, byte[]> k = consumer(kafka, Topic.IMAGES.maxMessageBytes() + (64 << 10))) {
            List<TopicPartition> parts = partitions(k, Topic.IMAGES.topicName());
            Map<TopicPartition, Long> begin = k.beginningOffsets(parts);
            Map<TopicPartition, Long> end = k.endOffsets(parts);
            int per = (n + parts.size() - 1) / parts.size();
            Map<TopicPartition, long[]> spans = new LinkedHashMap<>();
            for (TopicPartition tp : parts) {
                spans.put(tp, new long[] {Math.max(begin.get(tp), end.get(tp) - per), end.get(tp)});
            }
            return collect(k, spans, (tp, offset) -> true, card, null);
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
        try (KafkaConsumer<String, byte[]> k = consumer(kafka, Topic.PREDICTIONS.maxMessageBytes() + (64 << 10))) {
            List<TopicPartition> parts = partitions(k, Topic.PREDICTIONS.topicName());
            Map<TopicPartition, Long> begin = k.beginningOffsets(parts);
            Map<TopicPartition, Long> end = k.endOffsets(parts);
            int per = (2 * n + parts.size() - 1) / parts.size();
            for (TopicPartition tp : parts) {
                k.seek(tp, Math.max(begin.get(tp), end.get(tp) - per));
            }
            readUntil(k, end, r -> {
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
        try (KafkaConsumer<String, byte[]> k = consumer(kafka, Topic.IMAGES.maxMessageBytes() + (64 << 10))) {
            List<TopicPartition> parts = new ArrayList<>(chosen.keySet());
            k.assign(parts);
            Map<TopicPartition, Long> begin = k.beginningOffsets(parts);
            Map<TopicPartition, long[]> spans = new LinkedHashMap<>();
            chosen.forEach((tp, offsets) -> spans.put(tp, new long[] {Math.max(begin.get(tp), offsets.firstKey()),
                    offsets.lastKey() + 1}));
            return collect(k, spans, (tp, offset) -> chosen.get(tp).containsKey(offset), card, chosen);
        }
    }

    private static KafkaConsumer<String, byte[]> consumer(Map<String, Object> kafka, int maxFetch) {
        Map<String, Object> c = KafkaClientSettings.consumer(kafka);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxFetch);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> k, String topic) {
        List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo p : k.partitionsFor(topic, Duration.ofSeconds(30))) {
            parts.add(new TopicPartition(topic, p.partition()));
        }
        k.assign(parts);
        return parts;
    }

    /** Polls until every partition's position reaches {@code end} (or 30 s), handing each record below it on. */
    private static void readUntil(KafkaConsumer<String, byte[]> k, Map<TopicPartition, Long> end,
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

    /**
     * Reads {@code [from, to)} of each partition in {@code spans} and keeps the records {@code keep} accepts and can
     * decode, each preprocessed straight into its slot of one array (a DeiT-Base sample of 512 images is 308 MB: it is
     * never held twice). With {@code parentTop1}, the slots follow its maps alternately, newest first, and the
     * parent's answers come along; without, arrival order.
     */
    private static Sample collect(KafkaConsumer<String, byte[]> k, Map<TopicPartition, long[]> spans,
                                  java.util.function.BiPredicate<TopicPartition, Long> keep, ModelCard card,
                                  Map<TopicPartition, TreeMap<Long, Integer>> parentTop1) {
        Preprocessor pre = new Preprocessor(card.input());
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.Limits.DEFAULT);
        Map<TopicPartition, Long> end = new LinkedHashMap<>();
        long capacity = 0;
        for (Map.Entry<TopicPartition, long[]> e : spans.entrySet()) {
            k.seek(e.getKey(), e.getValue()[0]);
            end.put(e.getKey(), e.getValue()[1]);
            capacity += Math.max(0, e.getValue()[1] - e.getValue()[0]);
        }
        List<Prediction.Source> planned = new ArrayList<>();
        Map<Prediction.Source, Integer> slot = new HashMap<>();
        if (parentTop1 != null) {
            List<java.util.Iterator<Long>> its = new ArrayList<>();
            List<TopicPartition> parts = new ArrayList<>(parentTop1.keySet());
            for (TopicPartition tp : parts) {
                its.add(parentTop1.get(tp).descendingKeySet().iterator());
            }
            for (boolean any = true; any; ) {
                any = false;
                for (int i = 0; i < parts.size(); i++) {
                    if (its.get(i).hasNext()) {
                        any = true;
                        Prediction.Source s = new Prediction.Source(parts.get(i).topic(), parts.get(i).partition(), its.get(i).next());
                        slot.put(s, planned.size());
                        planned.add(s);
                    }
                }
            }
            capacity = planned.size();
        }
        int size = pre.size();
        float[] all = new float[Math.toIntExact(capacity * size)];
        Prediction.Source[] at = new Prediction.Source[(int) capacity];
        int[] labels = new int[(int) capacity];
        readUntil(k, end, r -> {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            Prediction.Source s = new Prediction.Source(r.topic(), r.partition(), r.offset());
            Integer index = parentTop1 == null ? Integer.valueOf(planned.size()) : slot.get(s);
            if (!keep.test(tp, r.offset()) || index == null || index >= at.length) {
                return;
            }
            try {
                pre.image(decoder.decode(r.value(), VbpHeaders.get(r.headers(), VbpHeaders.CONTENT_TYPE)), all, index * size);
                at[index] = s;
                labels[index] = label(VbpHeaders.get(r.headers(), VbpHeaders.LABEL), card);
                if (parentTop1 == null) {
                    planned.add(s);
                }
            } catch (RuntimeException e) {
                // not an image the model can take (refused, or a decoder failing on hostile bytes): the collector
                // dead-letters it, the gate skips it
            }
        });
        // close the gaps of what could not be read or decoded, in place
        List<Prediction.Source> order = new ArrayList<>();
        int[] parent = parentTop1 == null ? null : new int[at.length];
        int n = 0;
        for (int i = 0; i < at.length; i++) {
            if (at[i] == null) {
                continue;
            }
            if (n != i) {
                System.arraycopy(all, i * size, all, n * size, size);
                labels[n] = labels[i];
            }
            if (parent != null) {
                parent[n] = parentTop1.get(new TopicPartition(at[i].topic(), at[i].partition())).get(at[i].offset());
            }
            order.add(at[i]);
            n++;
        }
        return new Sample(all, n, Arrays.copyOf(labels, n), parent == null ? null : Arrays.copyOf(parent, n), order);
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
