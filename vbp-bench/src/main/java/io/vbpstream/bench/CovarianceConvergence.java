package io.vbpstream.bench;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.data.ImageSet;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.prune.BlockPlan;
import io.vbpstream.core.prune.CovarianceChange;
import io.vbpstream.core.runtime.Batches;
import io.vbpstream.core.runtime.InstrumentedSession;
import io.vbpstream.core.stats.CoMoments;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * How fast the pruner's covariance convergence signal settles: the relative Frobenius change of each block's
 * kept-removed covariance {@code Σ_KP} (the lowest-variance {@code --ratio}, 30%, removed) each time the number of images behind the
 * co-moments doubles, from 32 to 4096 test images, for the co-moments over every token and for the collectors'
 * estimator over {@code K} tokens per image. This is what {@code vbp.pruner.convergence.covariance-tolerance} is
 * compared with (docs/RESULTS.md).
 *
 * <pre>bench/run.sh covariance-convergence [--model M] [--images 4096] [--tokens-per-image 0,8,16] [--ratio 0.3]
 *                                      [--out target/bench/covariance-convergence.md]</pre>
 */
public final class CovarianceConvergence {

    private static double ratio = 0.3;

    private CovarianceConvergence() {
    }

    public static void main(String[] args) throws Exception {
        int images = ResultsSweep.intArg(args, "--images", 4096);
        ratio = Double.parseDouble(ResultsSweep.stringArg(args, "--ratio", "0.3"));
        Path out = Path.of(ResultsSweep.stringArg(args, "--out", "target/bench/covariance-convergence.md"));
        Path modelPath = Path.of(ResultsSweep.stringArg(args, "--model", Fixtures.fmnistModel().toString()));
        ModelProto model = OnnxModels.read(modelPath).model();
        List<MlpBlock> blocks = MlpBlockFinder.find(model);
        Preprocessor pre = Fixtures.preprocessor(modelPath);
        Batches batches = new Batches(ImageSet.open(Fixtures.testImages(), null, images), pre, 32);
        StringBuilder md = new StringBuilder();
        for (String k : ResultsSweep.stringArg(args, "--tokens-per-image", "0,8,16").split(",")) {
            table(md, model, blocks, batches, Integer.parseInt(k.trim()));
        }
        System.out.print(md);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.toString());
    }

    /** One table: the co-moments over every token ({@code tokensPerImage} 0) or over that many per image. */
    private static void table(StringBuilder md, ModelProto model, List<MlpBlock> blocks, Batches batches, int tokensPerImage)
            throws java.io.IOException {
        md.append(tokensPerImage == 0 ? "every token" : tokensPerImage + " tokens per image").append(":\n\n")
                .append("| images | samples | ").append(String.join(" | ", blocks.stream().map(MlpBlock::name).toList()))
                .append(" |\n|---|---|").append("---|".repeat(blocks.size())).append("\n");
        Map<String, CoMoments> total = new LinkedHashMap<>();
        Map<String, CoMoments> previous = null;
        int seen = 0;
        int previousImages = 0;
        int next = 32;
        try (InstrumentedSession s = tokensPerImage == 0 ? new InstrumentedSession(model, blocks, true)
                : new InstrumentedSession(model, blocks, tokensPerImage)) {
            for (int b = 0; b < batches.count(); b++) {
                long[] seeds = new long[(int) batches.shape(b)[0]];
                for (int i = 0; i < seeds.length; i++) {
                    seeds[i] = io.vbpstream.core.stats.TokenSampler.imageSeed(0, 0, (long) batches.start(b) + i);
                }
                (tokensPerImage == 0 ? s.runInstrumented(batches.load(b), batches.shape(b), true)
                        : s.runSampled(batches.load(b), batches.shape(b), seeds)).coMoments()
                        .forEach((k, c) -> total.merge(k, c, CoMoments::merge));
                seen += (int) batches.shape(b)[0];
                if (seen < next) {
                    continue;
                }
                Map<String, CoMoments> snapshot = new LinkedHashMap<>();
                total.forEach((k, c) -> snapshot.put(k, CoMoments.empty(c.width()).merge(c)));
                if (previous != null) {
                    md.append("| ").append(previousImages).append(" → ").append(seen).append(" | ")
                            .append(previous.values().iterator().next().count()).append(" → ")
                            .append(snapshot.values().iterator().next().count());
                    for (MlpBlock block : blocks) {
                        CoMoments now = snapshot.get(block.name());
                        md.append(String.format(Locale.ROOT, " | %.3f",
                                CovarianceChange.relative(now, previous.get(block.name()), lowestVarianceRemoved(block.name(), now))));
                    }
                    md.append(" |\n");
                }
                previous = snapshot;
                previousImages = seen;
                next *= 2;
            }
        }
        md.append("\n");
    }

    private static BlockPlan lowestVarianceRemoved(String block, CoMoments c) {
        int w = c.width();
        int[] order = IntStream.range(0, w).boxed().sorted((i, j) -> Double.compare(c.coMoment(i, i), c.coMoment(j, j)))
                .mapToInt(Integer::intValue).toArray();
        int removed = (int) Math.round(ratio * w);
        int[] p = Arrays.copyOfRange(order, 0, removed);
        int[] k = Arrays.copyOfRange(order, removed, w);
        Arrays.sort(p);
        Arrays.sort(k);
        return new BlockPlan(block, w, k, p);
    }
}
