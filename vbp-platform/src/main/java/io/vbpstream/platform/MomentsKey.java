package io.vbpstream.platform;

import java.util.regex.Pattern;

/**
 * The key of an {@code activation-moments} or {@code layer-statistics} record: {@code model/version/block}, each part
 * a non-empty name of letters, digits, '.', '_' or '-' (but not "." or "..", so a part is safe as a path segment). One key per block keeps a block's deltas in one partition, in
 * order; the partitioner spreads blocks (and models) over partitions by the key's hash.
 */
public record MomentsKey(String model, String version, String block) {

    private static final Pattern PART = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    public MomentsKey {
        check("model", model);
        check("version", version);
        check("block", block);
    }

    /** Parses {@code model/version/block}; throws {@link IllegalArgumentException} saying what is wrong. */
    public static MomentsKey parse(String key) {
        if (key == null) {
            throw new IllegalArgumentException("missing key");
        }
        String[] parts = key.split("/", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("key '" + key + "' is not model/version/block");
        }
        return new MomentsKey(parts[0], parts[1], parts[2]);
    }

    @Override
    public String toString() {
        return model + "/" + version + "/" + block;
    }

    private static void check(String what, String value) {
        if (value == null || !PART.matcher(value).matches() || value.equals(".") || value.equals("..")) {
            throw new IllegalArgumentException(what + " '" + value + "' must be 1-128 letters, digits, '.', '_' or '-'");
        }
    }
}
