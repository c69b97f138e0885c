package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.MomentsCodec;
import io.vbpstream.platform.MomentsKey;
import io.vbpstream.platform.message.VbpHeaders;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
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
 * delta (invalid on its own, or one whose merge would overflow the stored totals) goes to the dead-letter sink with
 * its reason and the store is left untouched. Running totals are emitted to
 * the statistics sink at most once per {@code emitInterval} per key (wall-clock punctuation over the keys changed
 * since the last one; after a restart every key counts as changed once). Every {@code retention.checkInterval} the
 * keys of retired versions ({@link RetiredVersions}) are deleted from the store and tombstoned in the statistics
 * sink, and later deltas for them are dropped.
 *
 * <p>The running value of each key merged since {@code init()} is also kept decoded ({@link DecodedValues}), so a
 * delta costs one decode (its own) and one encode (the merged value, written to the store as before) instead of a
 * decode of the stored value as well. The store stays the truth: every merge is written to it, and the decoded
 * values are dropped whenever it could differ from them (at {@code init()}, which Kafka Streams calls again after it
 * wiped and restored a task; after a refused merge, which may have changed the value in place; at retirement).
 */
public final class MomentsMergeProcessor implements Processor<String, byte[], String, byte[]> {

    public static final String STORE = "running-moments";
    public static final String STATISTICS_SINK = "layer-statistics-sink";
    public static final String DLQ_SINK = "dead-letter-sink";

    private final RetiredVersions retired;
    private final MergeListener listener;
    private final Set<String> dirty = new LinkedHashSet<>();
    private final DecodedValues<RunningMoments> decoded = new DecodedValues<>(DecodedValues.DEFAULT_KEYS);
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, RunningMoments> store;

    public MomentsMergeProcessor(Duration emitInterval, AggregatorTopology.Retention retention, MergeListener listener) {
        this.retired = new RetiredVersions(emitInterval, retention);
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        decoded.clear();
        try (KeyValueIterator<String, RunningMoments> it = store.all()) {
            it.forEachRemaining(kv -> dirty.add(kv.key));
        }
        retired.start(context, this::emit, this::retire);
    }

    /** Deletes the keys of retired versions from the store and tombstones them in {@code layer-statistics}. */
    private void retire(long now) {
        List<String> gone = new ArrayList<>();
        try (KeyValueIterator<String, RunningMoments> it = store.all()) {
            it.forEachRemaining(kv -> {
                // the store holds only keys that parsed when their first delta was merged
                if (retired.isRetired(MomentsKey.parse(kv.key))) {
                    gone.add(kv.key);
                }
            });
        }
        for (String key : gone) {
            store.delete(key);
            decoded.remove(key);
            dirty.remove(key);
            context.forward(new Record<String, byte[]>(key, null, now), STATISTICS_SINK);
        }
        if (!gone.isEmpty()) {
            listener.keysRetired(STORE, gone);
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        MomentsKey key;
        Moments delta;
        RunningMoments held;
        RunningMoments merged;
        try {
            key = DeltaValidator.key(record.key());
            if (retired.isRetired(key)) {
                listener.retiredDeltaDropped(STORE);
                return;
            }
            held = decoded.get(record.key(), store::get);
            delta = DeltaValidator.delta(record.value(), held);
            merged = DeltaValidator.merged(record.key(), held, delta, record.timestamp());
        } catch (DeltaRejected e) {
            decoded.remove(record.key()); // a refused merge may have changed the decoded value in place
            deadLetter(record, e);
            return;
        }
        try {
            store.put(record.key(), merged);
        } catch (RuntimeException e) {
            decoded.remove(record.key()); // the merge changed it in place, the store did not take it
            throw e;
        }
        decoded.put(record.key(), merged);
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
            RunningMoments r = decoded.get(key, store::get);
            if (r == null) {
                continue;
            }
            Headers headers = new RecordHeaders();
            VbpHeaders.put(headers, VbpHeaders.DELTAS, Long.toString(r.deltas()));
            context.forward(new Record<>(key, MomentsCodec.encode(r.moments()), now, headers), STATISTICS_SINK);
        }
    }

}
