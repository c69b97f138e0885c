package io.vbpstream.pruner.follow;

import io.vbpstream.core.stats.Moments;
import io.vbpstream.platform.MomentsKey;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** The latest running statistics per {@code model/version/block}, as the aggregator emits them. */
@ApplicationScoped
public class StatisticsView {

    private final ConcurrentHashMap<MomentsKey, Moments> latest = new ConcurrentHashMap<>();

    public void accept(MomentsKey key, Moments totals) {
        latest.put(key, totals);
    }

    /** Forgets a key the aggregator retired (a tombstone on {@code layer-statistics}). */
    public void remove(MomentsKey key) {
        latest.remove(key);
    }

    /** Block name to its latest totals, for one model version (sorted by block). */
    public Map<String, Moments> blocks(String model, String version) {
        Map<String, Moments> out = new TreeMap<>();
        latest.forEach((k, m) -> {
            if (k.model().equals(model) && k.version().equals(version)) {
                out.put(k.block(), m);
            }
        });
        return out;
    }
}
