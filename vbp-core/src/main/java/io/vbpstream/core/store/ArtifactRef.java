package io.vbpstream.core.store;

import java.net.URI;

/**
 * Where a model artifact lives and what it must hash to.
 *
 * @param uri    store-relative address, {@code vbp-store:sha256/<hex>.onnx} for {@link DirectoryModelStore}
 * @param sha256 lowercase hex sha256 of the artifact's bytes
 * @param size   bytes
 */
public record ArtifactRef(URI uri, String sha256, long size) {
}
