package io.vbpstream.pruner.prune;

import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.platform.message.Prediction;
import io.vbpstream.platform.message.VbpHeaders;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Turns spans of {@code images} records into a {@link RecentImages.Sample}: decoded, preprocessed, gaps closed. */
final class SampleCollector {

    private SampleCollector() {
    }

    /**
     * Reads {@code [from, to)} of each partition in {@code spans} and keeps the records {@code keep} accepts and can
     * decode, each preprocessed straight into its slot of one array (a DeiT-Base sample of 512 images is 308 MB: it is
     * never held twice). With {@code parentTop1}, the slots follow its maps alternately, newest first, and the
     * parent's answers come along; without, arrival order.
     */
    static RecentImages.Sample collect(KafkaConsumer<String, byte[]> k, Map<TopicPartition, long[]> spans,
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
        RecentRecords.readUntil(k, end, r -> {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            Prediction.Source s = new Prediction.Source(r.topic(), r.partition(), r.offset());
            Integer index = parentTop1 == null ? Integer.valueOf(planned.size()) : slot.get(s);
            if (!keep.test(tp, r.offset()) || index == null || index >= at.length) {
                return;
            }
            try {
                pre.image(decoder.decode(r.value(), VbpHeaders.get(r.headers(), VbpHeaders.CONTENT_TYPE)), all, index * size);
                at[index] = s;
                labels[index] = RecentImages.label(VbpHeaders.get(r.headers(), VbpHeaders.LABEL), card);
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
        return new RecentImages.Sample(all, n, Arrays.copyOf(labels, n),
                parent == null ? null : Arrays.copyOf(parent, n), order);
    }
}
