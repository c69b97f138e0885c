package io.vbpstream.pruner.web;

import io.vbpstream.platform.message.ModelVersion;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** A promoted pruned version as a few lines of text (the local runner prints it). */
final class VersionSummary {

    private VersionSummary() {
    }

    static String text(ModelVersion v, Path artifact) {
        ModelVersion.Pruning p = v.pruning();
        ModelVersion.Validation g = v.validation();
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "promoted  %s/%s (generation %d, pruned from %s)%n", v.model(), v.version(),
                v.generation(), v.parentVersion()));
        s.append(String.format(Locale.ROOT, "policy    %s%n", p.policy()));
        s.append("blocks   ");
        for (Map.Entry<String, Integer> e : p.keptWidths().entrySet()) {
            s.append(String.format(Locale.ROOT, " %s:%d", e.getKey(), e.getValue()));
        }
        s.append(String.format(Locale.ROOT, "  (kept hidden widths)%n"));
        s.append(String.format(Locale.ROOT, "MACs      %,d per image, -%.1f%% from the parent, -%.1f%% from the base%n", p.macs(),
                100 * p.macsReduction(), 100 * (1 - (double) p.macs() / p.baseMacs())));
        s.append(String.format(Locale.ROOT, "params    %,d, -%.1f%% from the parent%n", p.params(), 100 * p.paramsReduction()));
        if (g != null) {
            s.append(String.format(Locale.ROOT, "gate      agreement %.4f with the parent on %d recent images", g.agreement(), g.images()));
            if (g.accuracy() >= 0) {
                s.append(String.format(Locale.ROOT, "; accuracy %.4f (parent %.4f)", g.accuracy(), g.parentAccuracy()));
            }
            s.append(String.format(Locale.ROOT, "; latency ratio %.3f%n", g.latencyRatio()));
        }
        s.append(String.format(Locale.ROOT, "artifact  %s%nsha256    %s%n", artifact, v.sha256()));
        return s.toString();
    }
}
