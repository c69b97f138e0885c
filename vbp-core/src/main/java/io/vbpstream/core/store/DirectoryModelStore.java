package io.vbpstream.core.store;

import io.vbpstream.core.onnx.OnnxModels;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Pattern;

/**
 * A {@link ModelStore} in a local directory (a PersistentVolume on Kubernetes): {@code <root>/sha256/<hex>.onnx}.
 * References are {@code vbp-store:sha256/<hex>.onnx}; anything else (another scheme, an absolute path, {@code ..}, a
 * name that is not a sha256) is refused, so an artifact URI from a message can never reach outside the store.
 */
public final class DirectoryModelStore implements ModelStore {

    public static final String SCHEME = ArtifactRef.SCHEME;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path root;

    public DirectoryModelStore(Path root) {
        try {
            this.root = Files.createDirectories(root.resolve("sha256")).getParent().toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create model store at " + root, e);
        }
    }

    public Path root() {
        return root;
    }

    /** Where the artifact with this sha256 lies in the store ({@code sha256/<hex>.onnx}), whether or not it is there. */
    public Path artifactFile(String sha256) {
        return root.resolve("sha256").resolve(sha256 + ".onnx");
    }

    /** The statistics a pruned artifact was made from, kept beside it ({@code statistics/<hex>.vbps}). */
    public Path statisticsFile(String sha256) {
        return root.resolve("statistics").resolve(sha256 + ".vbps");
    }

    /** The full pruning report of a pruned artifact ({@code reports/<hex>.json}). */
    public Path reportFile(String sha256) {
        return root.resolve("reports").resolve(sha256 + ".json");
    }

    @Override
    public ArtifactRef put(Path modelFile) {
        try {
            String sha = OnnxModels.sha256(modelFile);
            Path target = artifactFile(sha);
            if (!Files.exists(target)) {
                Path tmp = Files.createTempFile(target.getParent(), sha, ".tmp");
                Files.copy(modelFile, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
            return new ArtifactRef(ArtifactRef.address(sha), sha, Files.size(target));
        } catch (IOException e) {
            throw new ModelStoreException(ModelStoreException.Reason.IO, "cannot store " + modelFile + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Path fetch(ArtifactRef ref) {
        Path file = resolve(ref);
        if (!Files.isRegularFile(file)) {
            throw new ModelStoreException(ModelStoreException.Reason.MISSING, ref.uri() + " is not in the store at " + root);
        }
        String actual;
        try {
            actual = OnnxModels.sha256(file);
        } catch (IOException e) {
            throw new ModelStoreException(ModelStoreException.Reason.IO, "cannot read " + file + ": " + e.getMessage(), e);
        }
        if (!actual.equals(ref.sha256())) {
            throw new ModelStoreException(ModelStoreException.Reason.HASH_MISMATCH,
                    ref.uri() + " hashes to " + actual + ", expected " + ref.sha256());
        }
        return file;
    }

    /** The file a reference names, refusing anything that is not a well-formed address inside the store. */
    Path resolve(ArtifactRef ref) {
        URI uri = ref.uri();
        if (ref.sha256() == null || !SHA256.matcher(ref.sha256()).matches()) {
            throw new ModelStoreException(ModelStoreException.Reason.INVALID_URI, "sha256 '" + ref.sha256() + "' is not 64 hex digits");
        }
        if (uri == null || !SCHEME.equals(uri.getScheme()) || uri.getRawSchemeSpecificPart() == null) {
            throw new ModelStoreException(ModelStoreException.Reason.INVALID_URI, "not a " + SCHEME + ": address: " + uri);
        }
        if (!ArtifactRef.sha256Of(uri.toString()).filter(ref.sha256()::equals).isPresent()) {
            throw new ModelStoreException(ModelStoreException.Reason.INVALID_URI,
                    uri + " is not " + SCHEME + ":sha256/<sha256>.onnx for sha256 " + ref.sha256());
        }
        Path file = artifactFile(ref.sha256()).normalize();
        if (!file.startsWith(root)) {
            throw new ModelStoreException(ModelStoreException.Reason.INVALID_URI, uri + " resolves outside the store");
        }
        return file;
    }
}
