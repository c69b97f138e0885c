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

    /**
     * How an image becomes the input: its name, layout, colour ({@code rgb} or {@code grayscale}) and size; optionally
     * {@code resize} (the shorter side is resized to it, then the centre {@code width x height} is cropped, as
     * torchvision's {@code Resize(resize)} + {@code CenterCrop}; without it the image is resized straight to the
     * size), {@code crop} ({@code center}, the only crop, and only with {@code resize}), {@code interpolation}
     * ({@code bilinear}, the default, or {@code bicubic}: Pillow's filters) and the normalisation.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Input(String name, String layout, String color, int width, int height, Integer resize, String crop,
                        String interpolation, Normalisation normalisation) {
        public Input(String name, String layout, String color, int width, int height, Normalisation normalisation) {
            this(name, layout, color, width, height, null, null, null, normalisation);
        }

        public int channels() {
            return "rgb".equalsIgnoreCase(color) ? 3 : 1;
        }

        /** Why this input cannot be used, or null when it can. */
        String problem() {
            if (width <= 0 || height <= 0) {
                return "has no usable input section (width, height)";
            }
            if (!"NCHW".equalsIgnoreCase(layout)) {
                return "only NCHW layout is supported, not " + layout;
            }
            try {
                Interpolation.parse(interpolation);
            } catch (IllegalArgumentException e) {
                return "input." + e.getMessage();
            }
            if (resize != null && resize < Math.max(width, height)) {
                return "input.resize " + resize + " is smaller than the " + width + "x" + height
                        + " centre crop; the shorter side must be at least the crop's larger side";
            }
            if (crop != null && !crop.equalsIgnoreCase("center") && !crop.equalsIgnoreCase("centre")) {
                return "input.crop '" + crop + "' is not center (the only crop)";
            }
            if (crop != null && resize == null) {
                return "input.crop needs input.resize (the shorter side before the crop)";
            }
            return null;
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
        String problem = card.input() == null ? "has no usable input section (width, height)" : card.input().problem();
        if (problem != null) {
            throw new IOException("model card " + path + ": " + problem);
        }
        return card;
    }

    /** The card beside a model file ({@code model.json} in the same folder). */
    public static ModelCard besideModel(Path model) throws IOException {
        Path dir = model.toAbsolutePath().getParent();
        return read(dir.resolve("model.json"));
    }
}
