package io.vbpstream.aggregator.streams;

import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.platform.message.VersionRetention;
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
