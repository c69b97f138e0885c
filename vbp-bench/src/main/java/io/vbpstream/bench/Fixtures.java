package io.vbpstream.bench;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.cost.CostModel;
import io.vbpstream.core.cost.ModelCost;
import io.vbpstream.core.data.ImageSet;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.runtime.Batches;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Where the benchmarks find the model and data, and small formatting helpers. */
final class Fixtures {

    static final Path DEBIAN_FMNIST = Path.of("/usr/share/datasets/fashion-mnist");

    private Fixtures() {
    }

    static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("models/fmnist-vit/model.onnx"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("run from inside the repository");
        }
        return p;
    }

    static Path fmnistModel() {
        return root().resolve("models/fmnist-vit/model.onnx");
    }

    /** The bundled fmnist-vit with its blocks, cost, preprocessing and the 10k test split: what the sweeps start from. */
    record Fmnist(ModelProto model, String sha256, List<MlpBlock> blocks, ModelCost cost, Preprocessor pre, ImageSet test) {
    }

    static Fmnist fmnist() throws IOException {
        Path path = fmnistModel();
        OnnxModels.LoadedModel loaded = OnnxModels.read(path);
        List<MlpBlock> blocks = MlpBlockFinder.find(loaded.model());
        return new Fmnist(loaded.model(), loaded.sha256(), blocks, CostModel.analyse(loaded.model(), blocks, Map.of()),
                preprocessor(path), ImageSet.open(testImages(), testLabels(), 0));
    }

    static Path testImages() {
        return root().resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz");
    }

    static Path testLabels() {
        return root().resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz");
    }

    static Path trainImages() throws IOException {
        Path p = DEBIAN_FMNIST.resolve("train-images-idx3-ubyte.gz");
        if (!Files.exists(p)) {
            throw new IOException(p + " is missing: apt-get install dataset-fashion-mnist (only the calibration "
                    + "experiments need the training split)");
        }
        return p;
    }

    static Preprocessor preprocessor(Path model) throws IOException {
        return new Preprocessor(ModelCard.besideModel(model).input());
    }

    /** One preprocessed batch of the first {@code n} images of a set. */
    static float[] batch(ImageSet set, Preprocessor pre, int n) throws IOException {
        return new Batches(set, pre, n).load(0).clone();
    }

    static String machine() {
        return String.format(Locale.ROOT, "%d cores, %s %s, Java %s, max heap %d MiB",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("os.arch"),
                System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20);
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }
}
