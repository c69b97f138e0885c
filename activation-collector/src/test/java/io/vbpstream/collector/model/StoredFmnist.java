package io.vbpstream.collector.model;

import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.core.store.DirectoryModelStore;
import io.vbpstream.platform.message.ModelVersion;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/** The bundled fmnist-vit put in a fresh directory store, as the base version of its model, with its card. */
record StoredFmnist(DirectoryModelStore store, ModelVersion version, ModelCard card) {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    static StoredFmnist create() throws IOException {
        DirectoryModelStore store = new DirectoryModelStore(Files.createTempDirectory("vbp-store"));
        ArtifactRef ref = store.put(ROOT.resolve("models/fmnist-vit/model.onnx"));
        ModelVersion v = ModelVersion.of("fmnist-vit", "base", ref.uri().toString(), ref.sha256(), null, 0,
                Instant.now().toString());
        return new StoredFmnist(store, v, ModelCard.read(ROOT.resolve("models/fmnist-vit/model.json")));
    }
}
