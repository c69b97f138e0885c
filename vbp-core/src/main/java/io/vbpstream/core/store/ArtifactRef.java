package io.vbpstream.core.store;

import java.net.URI;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a model artifact lives and what it must hash to.
 *
 * @param uri    store-relative address, {@code vbp-store:sha256/<hex>.onnx} for {@link DirectoryModelStore}
 * @param sha256 lowercase hex sha256 of the artifact's bytes
 * @param size   bytes
 */
public record ArtifactRef(URI uri, String sha256, long size) {

    /** The scheme of store addresses. */
    public static final String SCHEME = "vbp-store";
    private static final Pattern ADDRESS = Pattern.compile(SCHEME + ":sha256/([0-9a-f]{64})\\.onnx");

    /** The store address of the artifact with this sha256: {@code vbp-store:sha256/<hex>.onnx}. */
    public static URI address(String sha256) {
        return URI.create(SCHEME + ":sha256/" + sha256 + ".onnx");
    }

    /** The sha256 a store address names, or empty when {@code uri} is not a well-formed store address. */
    public static Optional<String> sha256Of(String uri) {
        Matcher m = uri == null ? null : ADDRESS.matcher(uri);
        return m != null && m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }
}
