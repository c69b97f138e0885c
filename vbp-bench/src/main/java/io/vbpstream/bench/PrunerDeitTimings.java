package io.vbpstream.bench;

import io.vbpstream.core.data.IdxImages;
import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.prune.Allocation;
import io.vbpstream.core.prune.Compensation;
import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.prune.Pruning;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.prune.PruningTarget;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.core.stats.ModelStatistics;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.platform.message.Prediction;
import io.vbpstream.pruner.prune.RecentImages;
import io.vbpstream.pruner.prune.ValidationGate;
import io.vbpstream.replayer.TrafficReplayer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code bench/run.sh pruner deit MODEL} ({@link PrunerBench}): pruning (35% MACs) and the validation gate on a DeiT
 * shape, with the statistics {@code bench/run.sh deit-models} wrote beside it.
 */
final class PrunerDeitTimings {

    private PrunerDeitTimings() {
    }

    static void run(Path model, int images) throws Exception {
        System.out.printf(Locale.ROOT, "pruner on %s: %s; %s%n", model, Fixtures.cpuModel(), Fixtures.machine());
        long t0 = System.nanoTime();
        OnnxModels.LoadedModel loaded = OnnxModels.read(model);
        ModelStatistics stats = ModelStatistics.read(model.resolveSibling("stats.bin"));
        PruningPolicy policy = new PruningPolicy(Criterion.VARIANCE, Allocation.UNIFORM, new PruningTarget.MacsReduction(0.35),
                Compensation.MEAN, 0.02, 0, 1);
        Pruning.Result r = Pruning.run(loaded.model(), loaded.sha256(), stats, policy, null);
        double prune = (System.nanoTime() - t0) / 1e9;

        ModelCard card = ModelCard.read(model.resolveSibling("model.json"));
        Preprocessor pre = new Preprocessor(card.input());
        IdxImages.Images set = IdxImages.readImages(Fixtures.testImages(), images);
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.Limits.DEFAULT);
        float[] x = new float[images * pre.size()];
        int[] labels = new int[images];
        for (int i = 0; i < images; i++) {
            pre.image(decoder.decode(TrafficReplayer.png(set, i), "image/png"), x, i * pre.size());
            labels[i] = -1;
        }
        long t1 = System.nanoTime();
        List<Prediction.Source> sources = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            sources.add(new Prediction.Source("images", 0, i));
        }
        // both models run (no parent predictions here), every image (min-images = the sample)
        ModelVersion.Validation v = new ValidationGate(new ValidationGate.Settings(0.9, 0.95, images, 0.95, 8))
                .validate(() -> new ModelSession(loaded.model()), () -> new ModelSession(r.model()),
                        new RecentImages.Sample(x, images, labels, null, sources), card);
        double validate = (System.nanoTime() - t1) / 1e9;
        System.out.printf(Locale.ROOT, "read + hash + cost + plan + slice + fold: %.2f s (MACs -%.1f%%); validation gate on %d images "
                + "(both models, batch 8, plus the latency comparison): %.1f s, agreement %.4f, latency ratio %.3f%n",
                prune, 100 * r.report().macsReduction(), images, validate, v.agreement(), v.latencyRatio());
    }
}
