package io.vbpstream.platform.message;

import java.util.regex.Pattern;

/**
 * A promoted model version on the compacted {@code model-versions} topic, keyed by {@link #model()}: the latest record
 * per model is the version every collector serves. Schema {@value #SCHEMA}.
 *
 * @param model         model id, e.g. {@code fmnist-vit}
 * @param version       version name, a {@code MomentsKey} part (e.g. {@code g1-3f2a9c1b2d4e})
 * @param uri           artifact address in the model store, e.g. {@code vbp-store:sha256/<hex>.onnx}
 * @param sha256        the artifact's sha256 (lowercase hex), checked before the file is loaded
 * @param parentVersion the version it was pruned from, or null for a base model
 * @param generation    0 for a base model, parent's + 1 for a pruned one
 * @param createdAt     ISO-8601 instant
 */
public record ModelVersion(int schema, String model, String version, String uri, String sha256, String parentVersion,
                           int generation, String createdAt) {

    public static final int SCHEMA = 1;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

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
    }

    public static ModelVersion of(String model, String version, String uri, String sha256, String parentVersion,
                                  int generation, String createdAt) {
        return new ModelVersion(SCHEMA, model, version, uri, sha256, parentVersion, generation, createdAt);
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
