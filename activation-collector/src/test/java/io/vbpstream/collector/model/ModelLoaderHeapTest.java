package io.vbpstream.collector.model;

import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.core.store.DirectoryModelStore;
import io.vbpstream.platform.message.ModelVersion;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A heap too small for the model is refused before anything is parsed, with the heap the model needs. */
class ModelLoaderHeapTest {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    @Test
    void aHeapTooSmallForTheModelIsRefusedWithTheHeapItNeeds() throws Exception {
        DirectoryModelStore store = new DirectoryModelStore(Files.createTempDirectory("vbp-store"));
        ArtifactRef ref = store.put(ROOT.resolve("models/fmnist-vit/model.onnx"));
        ModelVersion v = ModelVersion.of("fmnist-vit", "base", ref.uri().toString(), ref.sha256(), null, 0,
                Instant.now().toString());
        ModelCard card = ModelCard.read(ROOT.resolve("models/fmnist-vit/model.json"));
        ModelLoader loader = new ModelLoader(store, card, 1, 8, io.vbpstream.core.cost.HeapBudget.GRAM_ROWS, 256L << 20);
        ModelRefusedException e = assertThrows(ModelRefusedException.class, () -> loader.load(v));
        assertEquals(ModelRefusedException.Reason.HEAP_TOO_SMALL, e.reason());
        assertTrue(e.getMessage().contains("needs a heap of at least 512m"), e.getMessage());
        assertTrue(e.getMessage().contains("this JVM has 256m"), e.getMessage());
        assertTrue(e.getMessage().contains("-Xmx512m"), e.getMessage());
    }
}
