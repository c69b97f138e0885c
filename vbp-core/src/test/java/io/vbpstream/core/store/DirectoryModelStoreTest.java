package io.vbpstream.core.store;

import io.vbpstream.core.TestSupport;
import io.vbpstream.core.onnx.OnnxModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirectoryModelStoreTest {

    private static ModelStoreException.Reason refused(ModelStore store, ArtifactRef ref) {
        return assertThrows(ModelStoreException.class, () -> store.fetch(ref)).reason();
    }

    @Test
    void storesByContentAndServesVerifiedFiles(@TempDir Path dir) throws IOException {
        DirectoryModelStore store = new DirectoryModelStore(dir.resolve("store"));
        Path model = TestSupport.fmnistModel();
        ArtifactRef ref = store.put(model);
        assertEquals(OnnxModels.sha256(model), ref.sha256());
        assertEquals(URI.create("vbp-store:sha256/" + ref.sha256() + ".onnx"), ref.uri());
        assertEquals(Files.size(model), ref.size());
        assertEquals(ref, store.put(model), "putting the same bytes again is idempotent");
        assertArrayEquals(Files.readAllBytes(model), Files.readAllBytes(store.fetch(ref)));
    }

    @Test
    void refusesTamperedAndMissingArtifacts(@TempDir Path dir) throws IOException {
        DirectoryModelStore store = new DirectoryModelStore(dir);
        ArtifactRef ref = store.put(TestSupport.fixture("mlp-gemm-relu.onnx"));
        Path file = store.fetch(ref);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 1;
        Files.write(file, bytes);
        assertEquals(ModelStoreException.Reason.HASH_MISMATCH, refused(store, ref));
        Files.delete(file);
        assertEquals(ModelStoreException.Reason.MISSING, refused(store, ref));
    }

    @Test
    void refusesAddressesThatCouldLeaveTheStore(@TempDir Path dir) throws IOException {
        DirectoryModelStore store = new DirectoryModelStore(dir.resolve("store"));
        Files.writeString(dir.resolve("secret.onnx"), "not yours");
        String sha = "a".repeat(64);
        for (String uri : new String[] {
            "vbp-store:../secret.onnx",
            "vbp-store:sha256/../../secret.onnx",
            "vbp-store:sha256/" + sha + ".onnx/../../../secret.onnx",
            "vbp-store:sha256/%2e%2e/%2e%2e/secret.onnx",
            "vbp-store:/etc/passwd",
            "file:///etc/passwd",
            "s3://bucket/" + sha + ".onnx",
            "vbp-store:sha256/" + "b".repeat(64) + ".onnx"}) {
            ModelStoreException e = assertThrows(ModelStoreException.class,
                    () -> store.fetch(new ArtifactRef(URI.create(uri), sha, 1)), uri);
            assertEquals(ModelStoreException.Reason.INVALID_URI, e.reason(), uri);
        }
        assertEquals(ModelStoreException.Reason.INVALID_URI,
                refused(store, new ArtifactRef(URI.create("vbp-store:sha256/x.onnx"), "../x", 1)));
        assertTrue(store.root().startsWith(dir.toRealPath()));
    }
}
