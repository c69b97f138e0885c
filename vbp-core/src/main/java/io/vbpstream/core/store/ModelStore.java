package io.vbpstream.core.store;

import java.nio.file.Path;

/**
 * Content-addressed storage of model artifacts. A local directory implements it ({@link DirectoryModelStore}); an
 * S3-compatible object store can, with the same addressing by sha256.
 */
public interface ModelStore {

    /** Stores a model file under its sha256 (idempotent: storing the same bytes twice gives the same reference). */
    ArtifactRef put(Path modelFile);

    /**
     * A local file holding the artifact, after checking that its bytes hash to {@code ref.sha256()}. Throws
     * {@link ModelStoreException} with reason {@code INVALID_URI}, {@code MISSING} or {@code HASH_MISMATCH}.
     */
    Path fetch(ArtifactRef ref);
}
