package io.vbpstream.bench;

import io.vbpstream.core.data.IdxImages;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.runtime.LatencyBench;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.replayer.TrafficReplayer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The pipeline's and the pruner's timings.
 *
 * <pre>
 * bench/run.sh pruner pipeline [--images N] [--rounds R]
 *                                     first image to promoted version and its stages, pipeline throughput against
 *                                     plain ORT: broker + collector + aggregator + pruner, default thresholds,
 *                                     Fashion-MNIST test images streamed flat out
 * bench/run.sh pruner deit MODEL      pruning (35% MACs) and the validation gate (64 images) on a DeiT shape,
 *                                     with the statistics bench/run.sh deit-models wrote beside it
 * </pre>
 */
public final class PrunerBench {

    private PrunerBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("deit")) {
            PrunerDeitTimings.run(Path.of(args[1]), ResultsSweep.intArg(args, "--images", 64));
        } else {
            pipeline(ResultsSweep.intArg(args, "--images", 10000), ResultsSweep.intArg(args, "--rounds", 3));
        }
    }

    /**
     * Rounds of: a fresh broker and the three packaged services with default settings (co-moments on half the
     * windows, as {@code ./vbp-local} runs them), {@code images} test images
     * streamed flat out; then plain ONNX Runtime on the same images in this JVM (batch 32, the collector's default).
     */
    private static void pipeline(int images, int rounds) throws Exception {
        System.out.printf(Locale.ROOT, "pipeline benchmark: default thresholds, %d images, %d rounds; %s; %s%n", images, rounds,
                Fixtures.cpuModel(), Fixtures.machine());
        IdxImages.Images set = IdxImages.readImages(Fixtures.testImages(), images);
        int[] labels = IdxImages.readLabels(Fixtures.testLabels(), images);
        byte[][] pngs = new byte[images][];
        for (int i = 0; i < images; i++) {
            pngs[i] = TrafficReplayer.png(set, i);
        }
        Preprocessor pre = Fixtures.preprocessor(Fixtures.fmnistModel());
        float[] decoded = CollectorBench.decodeAll(pngs, pre);
        long[] shape = {32, pre.channels(), pre.height(), pre.width()};
        List<PrunerRound> done = new ArrayList<>();
        double[] plain = new double[rounds];
        try (ModelSession session = new ModelSession(OnnxModels.read(Fixtures.fmnistModel()).model())) {
            CollectorBench.pass(session, null, decoded, pre, shape, images); // warm-up
            for (int r = 0; r < rounds; r++) {
                PrunerRound round = PrunerRound.measure(pngs, labels);
                plain[r] = CollectorBench.pass(session, null, decoded, pre, shape, images);
                done.add(round);
                System.out.printf(Locale.ROOT, "round %d: promoted %s %.1f s after the first image (statistics %.1f s, prune %.2f s,"
                                + " gate %.1f s); pipeline %.0f img/s, plain ORT %.0f img/s, ratio %.3f;"
                                + " inference %.3f ms/image; merge lag %.0f ms%n", r + 1, round.promoted().version(), round.toPromoted(),
                        round.statistics(), round.prune(), round.gate(), round.rate(), plain[r], round.rate() / plain[r],
                        round.inferMsPerImage(), round.mergeLagMs());
            }
        }
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ratio[r] = done.get(r).rate() / plain[r];
        }
        double rate = median(done, PrunerRound::rate);
        double infer = median(done, PrunerRound::inferMsPerImage);
        System.out.printf(Locale.ROOT, "%nmedians over %d rounds:%n", rounds);
        System.out.printf(Locale.ROOT, "  first image -> promoted         %6.1f s%n", median(done, PrunerRound::toPromoted));
        System.out.printf(Locale.ROOT, "    statistics and convergence   %6.1f s%n", median(done, PrunerRound::statistics));
        System.out.printf(Locale.ROOT, "    prune (plan, slice, fold, store) %6.2f s%n", median(done, PrunerRound::prune));
        System.out.printf(Locale.ROOT, "    validation gate              %6.1f s%n", median(done, PrunerRound::gate));
        System.out.printf(Locale.ROOT, "  pipeline throughput            %6.0f images/s (collector predictions, 10th-90th percentile)%n", rate);
        System.out.printf(Locale.ROOT, "  plain ONNX Runtime, same images %6.0f images/s; pipeline / plain %.3f%n", LatencyBench.median(plain),
                LatencyBench.median(ratio));
        System.out.printf(Locale.ROOT, "  per image in the collector: inference %.3f ms, everything else (decode, Kafka, JSON, moments"
                + " merge; shared cores) %.3f ms%n", infer, 1000 / rate - infer);
        System.out.printf(Locale.ROOT, "  aggregator: delta creation -> merged %.0f ms (mean)%n", median(done, PrunerRound::mergeLagMs));
    }

    private static double median(List<PrunerRound> rounds, ToDoubleFunction<PrunerRound> f) {
        return LatencyBench.median(rounds.stream().mapToDouble(f).toArray());
    }
}
