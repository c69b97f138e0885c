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
 * How fast the pruner's covariance convergence signal settles on fmnist-vit: the relative Frobenius change of each
 * block's kept-removed covariance {@code Σ_KP} (the lowest-variance 30% removed) each time the number of images behind
 * the co-moments doubles, from 32 to 4096 test images. This is what {@code vbp.pruner.convergence.covariance-tolerance}
 * is compared with (docs/RESULTS.md).
 *
 * <pre>bench/run.sh covariance-convergence [--images 4096] [--out target/bench/covariance-convergence.md]</pre>
 */
public final class CovarianceConvergence {

    private static final double RATIO = 0.3;

    private CovarianceConvergence() {
    }

    public static void main(String[] args) throws Exception {
        int images = ResultsSweep.intArg(args, "--images", 4096);
        Path out = Path.of(ResultsSweep.stringArg(args, "--out", "target/bench/covariance-convergence.md"));
        Path modelPath = Fixtures.fmnistModel();
        ModelProto model = OnnxModels.read(modelPath).model();
        List<MlpBlock> blocks = MlpBlockFinder.find(model);
        Preprocessor pre = Fixtures.preprocessor(modelPath);
        Batches batches = new Batches(ImageSet.open(Fixtures.testImages(), null, images), pre, 32);
        StringBuilder md = new StringBuilder("| images | " + String.join(" | ", blocks.stream().map(MlpBlock::name).toList())
                + " |\n|---|" + "---|".repeat(blocks.size()) + "\n");
        Map<String, CoMoments> total = new LinkedHashMap<>();
        Map<String, CoMoments> previous = null;
        int seen = 0;
        int next = 32;
        try (InstrumentedSession s = new InstrumentedSession(model, blocks, true)) {
            for (int b = 0; b < batches.count(); b++) {
                s.runInstrumented(batches.load(b), batches.shape(b), true).coMoments()
                        .forEach((k, c) -> total.merge(k, c, CoMoments::merge));
                seen += (int) batches.shape(b)[0];
                if (seen < next) {
                    continue;
                }
                Map<String, CoMoments> snapshot = new LinkedHashMap<>();
                total.forEach((k, c) -> snapshot.put(k, CoMoments.empty(c.width()).merge(c)));
                if (previous != null) {
                    md.append("| ").append(previous.values().iterator().next().count() / 50).append(" → ").append(seen);
                    for (MlpBlock block : blocks) {
                        CoMoments now = snapshot.get(block.name());
                        md.append(String.format(Locale.ROOT, " | %.3f",
                                CovarianceChange.relative(now, previous.get(block.name()), lowestVarianceRemoved(block.name(), now))));
                    }
                    md.append(" |\n");
                }
                previous = snapshot;
                next *= 2;
            }
        }
        System.out.print(md);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.toString());
    }

    private static BlockPlan lowestVarianceRemoved(String block, CoMoments c) {
        int w = c.width();
        int[] order = IntStream.range(0, w).boxed().sorted((i, j) -> Double.compare(c.coMoment(i, i), c.coMoment(j, j)))
                .mapToInt(Integer::intValue).toArray();
        int removed = (int) Math.round(RATIO * w);
        int[] p = Arrays.copyOfRange(order, 0, removed);
        int[] k = Arrays.copyOfRange(order, removed, w);
        Arrays.sort(p);
        Arrays.sort(k);
        return new BlockPlan(block, w, k, p);
    }
}
