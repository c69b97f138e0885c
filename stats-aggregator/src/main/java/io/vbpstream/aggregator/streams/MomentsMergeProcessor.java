package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.MomentsCodec;
import io.vbpstream.platform.MomentsKey;
import io.vbpstream.platform.message.VbpHeaders;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Validates each moments delta and merges it into the key's running statistics (Chan merge, float64). A rejected
 * delta goes to the dead-letter sink with its reason and the store is left untouched. Running totals are emitted to
 * the statistics sink at most once per {@code emitInterval} per key (wall-clock punctuation over the keys changed
 * since the last one; after a restart every key counts as changed once).
 */
public final class MomentsMergeProcessor implements Processor<String, byte[], String, byte[]> {

    public static final String STORE = "running-moments";
    public static final String STATISTICS_SINK = "layer-statistics-sink";
    public static final String DLQ_SINK = "dead-letter-sink";
    /** Header of a {@code layer-statistics} record: how many deltas its totals merge. */
    public static final String DELTAS_HEADER = "vbp-deltas";

    private final Duration emitInterval;
    private final MergeListener listener;
    private final Set<String> dirty = new LinkedHashSet<>();
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, RunningMoments> store;

    public MomentsMergeProcessor(Duration emitInterval, MergeListener listener) {
        this.emitInterval = emitInterval;
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        try (KeyValueIterator<String, RunningMoments> it = store.all()) {
            it.forEachRemaining(kv -> dirty.add(kv.key));
        }
        context.schedule(emitInterval, PunctuationType.WALL_CLOCK_TIME, now -> emit());
    }

    @Override
    public void process(Record<String, byte[]> record) {
        MomentsKey key;
        Moments delta;
        RunningMoments held;
        try {
            key = DeltaValidator.key(record.key());
            held = store.get(record.key());
            delta = DeltaValidator.delta(record.value(), held);
        } catch (DeltaRejected e) {
            deadLetter(record, e);
            return;
        }
        RunningMoments merged = held == null ? RunningMoments.first(delta, record.timestamp())
                : held.merge(delta, record.timestamp());
        store.put(record.key(), merged);
        dirty.add(record.key());
        listener.merged(key, merged, Math.max(0, System.currentTimeMillis() - record.timestamp()));
    }

    private void deadLetter(Record<String, byte[]> record, DeltaRejected e) {
        DeadLetters.forward(context, record, e, DLQ_SINK);
        listener.rejected(e.reason());
    }

    /** Forwards the running totals of every key changed since the last emission. */
    private void emit() {
        List<String> keys = new ArrayList<>(dirty);
        dirty.clear();
        long now = System.currentTimeMillis();
        for (String key : keys) {
            RunningMoments r = store.get(key);
            if (r == null) {
                continue;
            }
            Headers headers = new RecordHeaders();
            VbpHeaders.put(headers, DELTAS_HEADER, Long.toString(r.deltas()));
            context.forward(new Record<>(key, MomentsCodec.encode(r.moments()), now, headers), STATISTICS_SINK);
        }
    }

}
