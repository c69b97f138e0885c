package io.vbpstream.core;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.onnx.OnnxModels;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Paths to the committed model and data, and small helpers shared by tests. */
public final class TestSupport {

    private TestSupport() {
    }

    public static Path repoRoot() {
        String prop = System.getProperty("vbp.repo.root");
        Path p = prop != null ? Path.of(prop) : Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("models/fmnist-vit"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find the repository root (models/fmnist-vit)");
        }
        return p;
    }

    public static Path fmnistModel() {
        return repoRoot().resolve("models/fmnist-vit/model.onnx");
    }

    public static Path testImages() {
        return repoRoot().resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz");
    }

    public static Path testLabels() {
        return repoRoot().resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz");
    }

    public static Path fixture(String name) {
        return repoRoot().resolve("vbp-core/src/test/resources/models/" + name);
    }

    public static OnnxModels.LoadedModel load(Path p) {
        try {
            return OnnxModels.read(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ModelProto model(Path p) {
        return load(p).model();
    }

    /** Largest |a - b| over two equally shaped logits arrays. */
    public static double maxAbsDiff(float[][] a, float[][] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return m;
    }
}
