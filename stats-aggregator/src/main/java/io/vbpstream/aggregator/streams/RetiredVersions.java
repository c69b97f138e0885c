package io.vbpstream.aggregator.streams;

import io.vbpstream.platform.MomentsKey;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.platform.message.VersionRetention;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * The retired {@code model/version}s, from the global store of {@code model-versions} records: {@link VersionRetention}
 * applied to each model's latest records. A record that does not parse is left out (it retires nothing). Each merge
 * processor holds one, which also schedules its emission and its retirement of superseded keys.
 */
public final class RetiredVersions {

    /** The global store the topology fills from {@code model-versions}: key {@code model/version}, the record's JSON. */
    public static final String STORE = "model-versions-global";

    private final Duration emitInterval;
    private final AggregatorTopology.Retention retention;
    private Set<String> retired = Set.of();

    /**
     * @param emitInterval how often the processor emits
     * @param retention    how long a superseded version is kept, and how often the processor looks for retired ones
     */
    public RetiredVersions(Duration emitInterval, AggregatorTopology.Retention retention) {
        this.emitInterval = emitInterval;
        this.retention = retention;
    }

    /** How long a superseded version's state is kept. */
    public Duration grace() {
        return retention.grace();
    }

    /**
     * At a merge processor's {@code init}: reads the global versions store, computes the retired set, and schedules
     * the processor's emission every {@code emitInterval} and its retirement of superseded keys every
     * {@code retention.checkInterval} (wall-clock punctuations; before each retirement the set is recomputed from the
     * store, and {@code retire} gets the punctuation's time).
     */
    public void start(ProcessorContext<?, ?> context, Runnable emit, LongConsumer retire) {
        ReadOnlyKeyValueStore<String, byte[]> versions = context.getStateStore(STORE);
        refresh(versions, Instant.now());
        context.schedule(emitInterval, PunctuationType.WALL_CLOCK_TIME, now -> emit.run());
        context.schedule(retention.checkInterval(), PunctuationType.WALL_CLOCK_TIME, now -> {
            refresh(versions, Instant.ofEpochMilli(now));
            retire.accept(now);
        });
    }

    /** Recomputes the retired set from the records now in {@code versions}. */
    public Set<String> refresh(ReadOnlyKeyValueStore<String, byte[]> versions, Instant now) {
        Map<String, List<ModelVersion>> byModel = new HashMap<>();
        try (KeyValueIterator<String, byte[]> it = versions.all()) {
            it.forEachRemaining(kv -> {
                try {
                    ModelVersion v = ModelVersion.read(kv.value);
                    byModel.computeIfAbsent(v.model(), m -> new ArrayList<>()).add(v);
                } catch (RuntimeException e) {
                    // an unreadable record (the collectors and the pruner dead-letter it) names nothing to retire
                }
            });
        }
        Set<String> out = new HashSet<>();
        byModel.forEach((model, list) -> VersionRetention.retired(list, now, retention.grace())
                .forEach(v -> out.add(model + "/" + v)));
        retired = Set.copyOf(out);
        return retired;
    }

    /** True if {@code model/version} was retired at the last {@link #refresh}. */
    public boolean isRetired(String model, String version) {
        return retired.contains(model + "/" + version);
    }

    /** True if the version of {@code key} (a key's {@code model/version/block}) was retired at the last refresh. */
    public boolean isRetired(MomentsKey key) {
        return isRetired(key.model(), key.version());
    }
}
