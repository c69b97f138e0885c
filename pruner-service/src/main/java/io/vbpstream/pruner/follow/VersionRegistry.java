package io.vbpstream.pruner.follow;

import io.vbpstream.platform.message.ModelVersion;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code model-versions} says: the latest record of every version, and per model the version served (the
 * last PROMOTED record read, in topic order).
 */
@ApplicationScoped
public class VersionRegistry {

    private final Map<String, ModelVersion> versions = new LinkedHashMap<>();
    private final Map<String, String> promoted = new LinkedHashMap<>();

    public synchronized void accept(ModelVersion v) {
        versions.put(v.key(), v);
        if (v.status() == ModelVersion.Status.PROMOTED) {
            promoted.put(v.model(), v.version());
        } else if (v.version().equals(promoted.get(v.model()))) {
            // the served version was rejected or rolled back: the parent's PROMOTED record follows it
            promoted.remove(v.model());
        }
    }

    public synchronized Optional<ModelVersion> current(String model) {
        String v = promoted.get(model);
        return v == null ? Optional.empty() : Optional.ofNullable(versions.get(model + "/" + v));
    }

    public synchronized Optional<ModelVersion> get(String model, String version) {
        return Optional.ofNullable(versions.get(model + "/" + version));
    }

    public synchronized List<ModelVersion> all(String model) {
        List<ModelVersion> out = new ArrayList<>();
        versions.values().stream().filter(v -> v.model().equals(model)).forEach(out::add);
        return out;
    }

    public synchronized List<String> models() {
        return versions.values().stream().map(ModelVersion::model).distinct().sorted().toList();
    }

    /** A child of {@code parent} that is still a candidate or is promoted, if there is one. */
    public synchronized Optional<ModelVersion> liveChild(String model, String parent) {
        return versions.values().stream().filter(v -> v.model().equals(model) && parent.equals(v.parentVersion()))
                .filter(v -> v.status() == ModelVersion.Status.CANDIDATE || v.status() == ModelVersion.Status.PROMOTED)
                .findFirst();
    }

    /** The candidates of {@code model} without a verdict yet. */
    public synchronized List<ModelVersion> candidates(String model) {
        return versions.values().stream().filter(v -> v.model().equals(model) && v.status() == ModelVersion.Status.CANDIDATE)
                .toList();
    }

    /** True if some version (of any status) was pruned from {@code parent}: the pruner never prunes one twice. */
    public synchronized boolean hasChild(String model, String parent) {
        return versions.values().stream().anyMatch(v -> v.model().equals(model) && parent.equals(v.parentVersion()));
    }
}
