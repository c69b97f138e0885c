package io.vbpstream.collector.model;

import io.vbpstream.platform.message.ModelVersion;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether the pruner still wants the co-moments of a served version, from the records on {@code model-versions}: not
 * once a version's latest record says so ({@link ModelVersion#wantsCovariance}: it is at the final target), and not
 * while a child pruned from it is a candidate (the pruner has taken its covariance and is validating the child) or
 * promoted (the collector is about to load it). A rejection or a rollback of the child makes it wanted again.
 * Updated by the listener's thread, read by the loop's between windows.
 */
final class CoMomentsDemand {

    /** Per version name, what its latest record says. */
    private final Map<String, Boolean> said = new ConcurrentHashMap<>();
    /** Live children (their latest record is a candidate or a promotion), each to its parent's version name. */
    private final Map<String, String> liveChildren = new ConcurrentHashMap<>();

    /** Takes in a record of this collector's model. */
    void observe(ModelVersion v) {
        said.put(v.version(), v.wantsCovariance());
        boolean live = v.status() == ModelVersion.Status.CANDIDATE || v.status() == ModelVersion.Status.PROMOTED;
        if (live && v.parentVersion() != null) {
            liveChildren.put(v.version(), v.parentVersion());
        } else {
            liveChildren.remove(v.version());
        }
    }

    /** True while the pruner may still prune from {@code served}, and no child pruned from it is live. */
    boolean wants(ModelVersion served) {
        return unwantedBecause(served) == null;
    }

    /** Why {@code served}'s co-moments are not wanted, or null when they are. */
    String unwantedBecause(ModelVersion served) {
        if (!said.getOrDefault(served.version(), served.wantsCovariance())) {
            return "its record says the pruner prunes no further from it (the final target)";
        }
        for (Map.Entry<String, String> child : liveChildren.entrySet()) {
            if (child.getValue().equals(served.version())) {
                return "its child " + child.getKey() + " was pruned from it and is being validated or promoted";
            }
        }
        return null;
    }
}
