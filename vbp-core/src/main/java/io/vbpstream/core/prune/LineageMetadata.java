package io.vbpstream.core.prune;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The lineage a pruned model carries in its {@code metadata_props}, under {@value #PREFIX}: its parent's sha256 and
 * generation, the policy (criterion, allocation, compensation, ridge, target), the fraction removed, the samples the
 * statistics covered and the kept widths (a JSON object). Other metadata is kept as it was.
 */
public final class LineageMetadata {

    /** Prefix of the keys written. */
    public static final String PREFIX = "vbp.";
    private static final ObjectMapper JSON = new ObjectMapper();

    private LineageMetadata() {
    }

    /** What a prune records of where the model came from. */
    public record Lineage(String parentSha256, PruningPolicy policy, long samples) {
    }

    /** A model's metadata, in file order. */
    public static Map<String, String> read(ModelProto model) {
        Map<String, String> meta = new LinkedHashMap<>();
        model.getMetadataPropsList().forEach(e -> meta.put(e.getKey(), e.getValue()));
        return meta;
    }

    /** Writes the lineage of a prune of {@code out}'s model (the parent) by {@code plan} into {@code out}. */
    static void write(ModelProto.Builder out, PruningPlan plan, Compensation compensation, Lineage lineage) {
        Map<String, String> meta = new LinkedHashMap<>();
        for (StringStringEntryProto e : out.getMetadataPropsList()) {
            meta.put(e.getKey(), e.getValue());
        }
        int generation;
        try {
            generation = Integer.parseInt(meta.getOrDefault(PREFIX + "generation", "0")) + 1;
        } catch (NumberFormatException e) {
            generation = 1;
        }
        PruningPolicy p = lineage.policy();
        meta.put(PREFIX + "parent_sha256", lineage.parentSha256());
        meta.put(PREFIX + "generation", Integer.toString(generation));
        meta.put(PREFIX + "criterion", p.criterion().id());
        meta.put(PREFIX + "allocation", p.allocation().id());
        meta.put(PREFIX + "compensation", compensation.id());
        if (compensation == Compensation.LEAST_SQUARES) {
            meta.put(PREFIX + "ridge_alpha", Double.toString(p.ridge()));
        } else {
            meta.remove(PREFIX + "ridge_alpha");
        }
        if (p.target() instanceof PruningTarget.NeuronRatio r) {
            meta.put(PREFIX + "ratio", Double.toString(r.ratio()));
        } else if (p.target() instanceof PruningTarget.MacsReduction m) {
            meta.put(PREFIX + "macs_reduction_target", Double.toString(m.fraction()));
        }
        meta.put(PREFIX + "removed_fraction", String.format(Locale.ROOT, "%.6f", plan.removedFraction()));
        meta.put(PREFIX + "samples", Long.toString(lineage.samples()));
        try {
            meta.put(PREFIX + "kept_widths", JSON.writeValueAsString(new LinkedHashMap<>(plan.keptWidths())));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        out.clearMetadataProps();
        meta.forEach((k, v) -> out.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    }
}
