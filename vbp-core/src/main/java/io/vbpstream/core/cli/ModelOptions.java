package io.vbpstream.core.cli;

import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.OnnxModels;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** Options shared by commands that load a model and feed it images. */
final class ModelOptions {

    @Option(names = {"-m", "--model"}, required = true, description = "ONNX model file.")
    Path model;

    @Option(names = "--card", description = "Model card (model.json); default: the one beside the model.")
    Path card;

    @Option(names = "--batch", defaultValue = "64", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    OnnxModels.LoadedModel load() throws IOException {
        return OnnxModels.read(model);
    }

    Preprocessor preprocessor() throws IOException {
        return new Preprocessor(card().input());
    }

    ModelCard card() throws IOException {
        return card(null);
    }

    /** The card given, else the one beside the model, else the one beside {@code fallback} (e.g. the parent model). */
    ModelCard card(Path fallback) throws IOException {
        if (card != null) {
            return ModelCard.read(card);
        }
        Path beside = model.toAbsolutePath().getParent().resolve("model.json");
        if (fallback != null && !java.nio.file.Files.exists(beside)) {
            return ModelCard.besideModel(fallback);
        }
        return ModelCard.besideModel(model);
    }
}
