package io.vbpstream.core.cli;

import io.vbpstream.core.data.ImageSet;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.runtime.StatisticsCollector;
import io.vbpstream.core.stats.ModelStatistics;
import io.vbpstream.core.stats.Moments;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Gather per-block post-activation mean and variance (and optionally covariance) over images.")
final class StatsCommand implements Callable<Integer> {

    @Mixin
    ModelOptions opts;

    @Option(names = "--images", required = true, description = "IDX image file (gzip or raw) or a folder of PNG/JPEG.")
    Path images;

    @Option(names = "--limit", defaultValue = "0", description = "Use at most this many images (0: all).")
    int limit;

    @Option(names = "--covariance", description = "Also gather each block's activation covariance (co-moment matrix), "
            + "for least-squares compensation; costs about one more MLP forward pass per image.")
    boolean covariance;

    @Option(names = "--tokens-per-image", defaultValue = "0", description = "With --covariance: the collectors' "
            + "estimator, that many tokens of each image drawn at random (seeded by the image's index) instead of every "
            + "token (0, the default).")
    int tokensPerImage;

    @Option(names = "--out", required = true, description = "Statistics file to write.")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (tokensPerImage < 0) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--tokens-per-image must be 0 (every token) or positive, got " + tokensPerImage);
        }
        OnnxModels.LoadedModel loaded = opts.load();
        List<MlpBlock> blocks = MlpBlockFinder.find(loaded.model());
        ImageSet set = ImageSet.open(images, null, limit);
        ModelStatistics stats;
        try (ProgressBar bar = new ProgressBar("stats", set.size(), opts.quiet)) {
            stats = StatisticsCollector.collect(loaded.model(), loaded.sha256(), blocks, set, opts.preprocessor(),
                    opts.batch, covariance, tokensPerImage, bar::step);
        }
        stats.write(out);
        System.out.printf(Locale.ROOT, "%d images, %d blocks%s -> %s%n", stats.images(), blocks.size(),
                covariance ? " with covariance" : "", out);
        for (Map.Entry<String, Moments> e : stats.blocks().entrySet()) {
            double[] v = e.getValue().variance();
            java.util.Arrays.sort(v);
            System.out.printf(Locale.ROOT, "  %-7s samples %,d  variance min %.3g median %.3g max %.3g%n", e.getKey(),
                    e.getValue().count(), v[0], v[v.length / 2], v[v.length - 1]);
        }
        return 0;
    }
}
