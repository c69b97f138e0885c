package io.vbpstream.platform.message;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * A model version on the compacted {@code model-versions} topic, keyed {@code model/version}: every version keeps its
 * latest record. The version served is the one in the last {@link Status#PROMOTED} record (in offset order) of its
 * model; a rollback publishes the rolled-back version as {@link Status#ROLLED_BACK} and its parent as
 * {@link Status#PROMOTED} again. Schema {@value #SCHEMA}.
 *
 * @param model         model id, e.g. {@code fmnist-vit}
 * @param version       version name, a {@code MomentsKey} part (e.g. {@code g1-3f2a9c1b2d4e})
 * @param uri           artifact address in the model store, e.g. {@code vbp-store:sha256/<hex>.onnx}
 * @param sha256        the artifact's sha256 (lowercase hex), checked before the file is loaded
 * @param parentVersion the version it was pruned from, or null for a base model
 * @param generation    0 for a base model, parent's + 1 for a pruned one
 * @param createdAt     ISO-8601 instant
 * @param status        null is read as {@link Status#PROMOTED}
 * @param pruning       how it was made from its parent (null for a base model)
 * @param validation    the gate's verdict (null for a base model)
 * @param updatedAt     ISO-8601 instant of this record (status changes)
 * @param covariance    whether the pruner will prune from this version, and so needs its traffic's co-moments: false
 *                      once it is at the final target (collectors serving it then compute none); null (records written
 *                      before the field) is read as true. Optional, so the schema stays {@value #SCHEMA}
 */
public record ModelVersion(int schema, String model, String version, String uri, String sha256, String parentVersion,
                           int generation, String createdAt, Status status, Pruning pruning, Validation validation,
                           String updatedAt, Boolean covariance) {

    public static final int SCHEMA = 1;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** Where a version stands. */
    public enum Status {
        /** Pruned and being validated. */
        CANDIDATE,
        /** Serving (the last PROMOTED record of a model wins). */
        PROMOTED,
        /** Failed the validation gate; kept for inspection, never served. */
        REJECTED,
        /** Was promoted, then rolled back to its parent. */
        ROLLED_BACK
    }

    /**
     * How a version was pruned.
     *
     * @param policy      criterion, allocation, target and compensation, as text
     * @param samples     samples (tokens) per block in the statistics used
     * @param keptWidths  hidden width kept per block
     * @param macs        MACs per image (batch 1) of this version
     * @param params      parameters of this version
     * @param baseMacs    MACs of the generation-0 ancestor, for cumulative targets
     * @param macsReduction reduction from the parent
     */
    public record Pruning(String policy, Map<String, Long> samples, Map<String, Integer> keptWidths, long macs,
                          long params, long baseMacs, double macsReduction, double paramsReduction) {
    }

    /**
     * The validation gate's measurements on a held-out sample of recent traffic.
     *
     * @param images          images compared
     * @param agreement       top-1 agreement with the parent
     * @param accuracy        top-1 accuracy on the labelled images (NaN-free: -1 when none had labels)
     * @param parentAccuracy  the parent's accuracy on the same images (-1 when none had labels)
     * @param latencyRatio    median candidate latency / median parent latency at the gate's batch size
     * @param sample          the images used: topic-partition-offset ranges, for reproduction
     * @param reason          why it was rejected, or null
     */
    public record Validation(int images, double agreement, double accuracy, double parentAccuracy, double latencyRatio,
                             java.util.List<OffsetRange> sample, String reason) {
    }

    public ModelVersion {
        name("model", model);
        name("version", version);
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("uri is missing");
        }
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("sha256 '" + sha256 + "' is not 64 lowercase hex digits");
        }
        if (parentVersion != null) {
            name("parentVersion", parentVersion);
        }
        if (generation < 0) {
            throw new IllegalArgumentException("generation " + generation + " < 0");
        }
        if (status == null) {
            status = Status.PROMOTED;
        }
    }

    /** A promoted version with no pruning details (a base model, or a hand-made promotion). */
    public static ModelVersion of(String model, String version, String uri, String sha256, String parentVersion,
                                  int generation, String createdAt) {
        return new ModelVersion(SCHEMA, model, version, uri, sha256, parentVersion, generation, createdAt,
                Status.PROMOTED, null, null, createdAt, null);
    }

    public ModelVersion withStatus(Status s, String at) {
        return new ModelVersion(schema, model, version, uri, sha256, parentVersion, generation, createdAt, s, pruning,
                validation, at, covariance);
    }

    /** The same record saying whether the pruner needs this version's co-moments ({@link #wantsCovariance}). */
    public ModelVersion withCovariance(boolean wanted) {
        return new ModelVersion(schema, model, version, uri, sha256, parentVersion, generation, createdAt, status,
                pruning, validation, updatedAt, wanted);
    }

    /** False once the pruner will prune no further from this version: its co-moments would never be used. */
    public boolean wantsCovariance() {
        return covariance == null || covariance;
    }

    /** The record's key on {@code model-versions}. */
    public String key() {
        return model + "/" + version;
    }

    public static ModelVersion read(byte[] json) {
        return Messages.read(json, ModelVersion.class, SCHEMA);
    }

    private static void name(String what, String value) {
        if (value == null || !NAME.matcher(value).matches() || value.equals(".") || value.equals("..")) {
            throw new IllegalArgumentException(what + " '" + value + "' must be 1-128 letters, digits, '.', '_' or '-'");
        }
    }
}
