package io.vbpstream.core.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vbpstream.core.data.ImageSet;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.runtime.Batches;
import io.vbpstream.core.runtime.Evaluator;
import io.vbpstream.core.runtime.LatencyBench;
import io.vbpstream.core.runtime.ModelSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Top-1 accuracy, agreement with a reference model, and latency.")
final class EvalCommand implements Callable<Integer> {

    @Mixin
    ModelOptions opts;

    @Option(names = "--images", required = true, description = "IDX image file or a folder of PNG/JPEG.")
    Path images;

    @Option(names = "--labels", description = "IDX label file matching --images.")
    Path labels;

    @Option(names = "--reference", description = "Parent model: report top-1 agreement and the latency ratio against it.")
    Path reference;

    @Option(names = "--limit", defaultValue = "0", description = "Use at most this many images (0: all).")
    int limit;

    @Option(names = "--latency-rounds", defaultValue = "50", description = "Timed runs per latency figure (0: skip).")
    int rounds;

    @Option(names = "--json", description = "Also write the results as JSON here.")
    Path json;

    @Override
    public Integer call() throws Exception {
        ImageSet set = ImageSet.open(images, labels, limit);
        Preprocessor pre = new Preprocessor(opts.card(reference).input());
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", opts.model.toString());
        result.put("images", set.size());
        try (ModelSession model = new ModelSession(opts.model);
             ModelSession ref = reference == null ? null : new ModelSession(reference)) {
            int[] predictions;
            try (ProgressBar bar = new ProgressBar("eval", set.size(), opts.quiet)) {
                predictions = Evaluator.predict(model, set, pre, opts.batch, bar::step);
            }
            double acc = Evaluator.accuracy(predictions, set);
            if (set.hasLabels()) {
                result.put("accuracy", acc);
                System.out.printf(Locale.ROOT, "top-1 accuracy   %.4f (%d images)%n", acc, set.size());
            }
            if (ref != null) {
                int[] refPredictions;
                try (ProgressBar bar = new ProgressBar("reference", set.size(), opts.quiet)) {
                    refPredictions = Evaluator.predict(ref, set, pre, opts.batch, bar::step);
                }
                double agreement = Evaluator.agreement(predictions, refPredictions);
                result.put("agreement", agreement);
                System.out.printf(Locale.ROOT, "top-1 agreement  %.4f with %s%n", agreement, reference);
                if (set.hasLabels()) {
                    double refAcc = Evaluator.accuracy(refPredictions, set);
                    result.put("referenceAccuracy", refAcc);
                    System.out.printf(Locale.ROOT, "reference acc.   %.4f (kept %.2f%%)%n", refAcc, 100 * acc / refAcc);
                }
            }
            if (rounds > 0) {
                for (int batch : new int[] {1, opts.batch}) {
                    Batches b = new Batches(set, pre, Math.min(batch, set.size()));
                    float[] input = b.load(0);
                    long[] shape = b.shape(0);
                    if (ref != null) {
                        LatencyBench.Comparison c = LatencyBench.compare(ref, model, input, shape, 5, rounds);
                        result.put("latencyBatch" + shape[0], c);
                        System.out.printf(Locale.ROOT, "latency batch %-3d %.3f ms (reference %.3f ms), speedup %.2fx (median of %d)%n",
                                shape[0], c.candidateMs(), c.baselineMs(), c.speedup(), rounds);
                    } else {
                        double ms = LatencyBench.medianMs(model, input, shape, 5, rounds);
                        result.put("latencyBatch" + shape[0] + "Ms", ms);
                        System.out.printf(Locale.ROOT, "latency batch %-3d %.3f ms (median of %d)%n", shape[0], ms, rounds);
                    }
                }
            }
        }
        if (json != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), result);
        }
        return 0;
    }
}
