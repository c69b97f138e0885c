package io.vbpstream.core.data;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The model card ({@code model.json}) that says how to feed a model: input name, layout, size, normalisation, labels. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelCard(
        String name,
        Input input,
        List<String> labels,
        @JsonProperty("test_accuracy") Double testAccuracy) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Input(String name, String layout, String color, int width, int height, Normalisation normalisation) {
        public int channels() {
            return "rgb".equalsIgnoreCase(color) ? 3 : 1;
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Normalisation(double scale, List<Double> mean, List<Double> std) {
    }

    public static ModelCard read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("model card not found: " + path);
        }
        ModelCard card = new ObjectMapper().readValue(path.toFile(), ModelCard.class);
        if (card.input() == null || card.input().width() <= 0 || card.input().height() <= 0) {
            throw new IOException("model card " + path + " has no usable input section (width, height)");
        }
        if (!"NCHW".equalsIgnoreCase(card.input().layout())) {
            throw new IOException("model card " + path + ": only NCHW layout is supported, not " + card.input().layout());
        }
        return card;
    }

    /** The card beside a model file ({@code model.json} in the same folder). */
    public static ModelCard besideModel(Path model) throws IOException {
        Path dir = model.toAbsolutePath().getParent();
        return read(dir.resolve("model.json"));
    }
}
