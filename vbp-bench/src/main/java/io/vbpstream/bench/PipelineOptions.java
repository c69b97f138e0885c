package io.vbpstream.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The command line of {@link PipelineBench}: the model and its card, the traffic ({@code --rate} or flat out with at
 * most {@code --backlog} waiting, {@code --images} in all), {@code --tokens-per-image}, {@code --until first|final},
 * {@code --timeout} in seconds, {@code --linger} seconds of traffic after the last verdict (the final version
 * serving), and the {@code --set key=value} settings as given (split when the services' settings are built).
 */
record PipelineOptions(Path model, Path card, double rate, int images, int backlog, String tokens, boolean untilFinal,
                       int timeout, int linger, List<String> sets) {

    static PipelineOptions parse(String[] args) {
        Path model = Path.of(ResultsSweep.stringArg(args, "--model", Fixtures.fmnistModel().toString())).toAbsolutePath();
        Path card = Path.of(ResultsSweep.stringArg(args, "--card", model.resolveSibling("model.json").toString())).toAbsolutePath();
        double rate = Double.parseDouble(ResultsSweep.stringArg(args, "--rate", "0"));
        int images = ResultsSweep.intArg(args, "--images", Integer.MAX_VALUE);
        int backlog = ResultsSweep.intArg(args, "--backlog", 1000);
        String tokens = ResultsSweep.stringArg(args, "--tokens-per-image", "");
        boolean untilFinal = ResultsSweep.stringArg(args, "--until", "first").equals("final");
        int timeout = ResultsSweep.intArg(args, "--timeout", 1800);
        int linger = ResultsSweep.intArg(args, "--linger", 0);
        List<String> sets = new ArrayList<>();
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--set")) {
                sets.add(args[i + 1]);
            }
        }
        return new PipelineOptions(model, card, rate, images, backlog, tokens, untilFinal, timeout, linger, List.copyOf(sets));
    }

    /** The model's id: its folder's name for a {@code model.onnx}, else its file's name, in lower case, [a-z0-9._-]. */
    String modelName() {
        String name = model.getFileName().toString().equals("model.onnx") ? model.getParent().getFileName().toString()
                : model.getFileName().toString().replace(".onnx", "");
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    }
}
