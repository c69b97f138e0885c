package io.vbpstream.aggregator.streams;

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
 * applied to each model's latest records. A record that does not parse is left out (it retires nothing).
 */
public final class RetiredVersions {

    /** The global store the topology fills from {@code model-versions}: key {@code model/version}, the record's JSON. */
    public static final String STORE = "model-versions-global";

    private final Duration grace;
    private Set<String> retired = Set.of();

    public RetiredVersions(Duration grace) {
        this.grace = grace;
    }

    /**
     * At a merge processor's {@code init}: reads the global versions store, computes the retired set, and schedules
     * the processor's emission every {@code emitInterval} and its retirement of superseded keys every
     * {@code checkInterval} (wall-clock punctuations; {@code retire} gets the punctuation's time). Returns the store,
     * for the processor's later {@link #refresh}es.
     */
    public ReadOnlyKeyValueStore<String, byte[]> start(ProcessorContext<?, ?> context, Duration emitInterval,
                                                       Duration checkInterval, Runnable emit, LongConsumer retire) {
        ReadOnlyKeyValueStore<String, byte[]> versions = context.getStateStore(STORE);
        refresh(versions, Instant.now());
        context.schedule(emitInterval, PunctuationType.WALL_CLOCK_TIME, now -> emit.run());
        context.schedule(checkInterval, PunctuationType.WALL_CLOCK_TIME, retire::accept);
        return versions;
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
        byModel.forEach((model, list) -> VersionRetention.retired(list, now, grace).forEach(v -> out.add(model + "/" + v)));
        retired = Set.copyOf(out);
        return retired;
    }

    /** True if {@code model/version} was retired at the last {@link #refresh}. */
    public boolean isRetired(String model, String version) {
        return retired.contains(model + "/" + version);
    }
}
