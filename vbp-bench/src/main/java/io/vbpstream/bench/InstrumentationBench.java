package io.vbpstream.bench;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import io.vbpstream.core.data.ImageSet;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.runtime.InstrumentedSession;
import io.vbpstream.core.runtime.LatencyBench;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.core.stats.Moments;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Throughput of plain inference against the two ways of getting activation moments out: reductions inside the graph
 * (what vbp uses) and copying every hidden tensor out of ONNX Runtime to reduce it in Java; with
 * {@code --tokens-per-image K} also the collectors' co-moments: the moments graph returning {@code K} sampled tokens'
 * rows per image and their upper-triangle Gram by {@code GramKernel}, once per batch (the collector gathers
 * {@code gram-rows} rows per Gram, 512 by default, so this is its cost at most). Runs are interleaved in rotating order and reported as
 * medians and median ratios from the same run.
 *
 * <pre>bench/run.sh instrumentation [--batch 64] [--rounds 60] [--model models/fmnist-vit/model.onnx] [--tokens-per-image K]</pre>
 */
public final class InstrumentationBench {

    private InstrumentationBench() {
    }

    public static void main(String[] args) throws Exception {
        int batch = ResultsSweep.intArg(args, "--batch", 64);
        int rounds = ResultsSweep.intArg(args, "--rounds", 60);
        int tokensPerImage = ResultsSweep.intArg(args, "--tokens-per-image", 0);
        Path modelPath = Path.of(ResultsSweep.stringArg(args, "--model", Fixtures.fmnistModel().toString()));
        ModelProto model = OnnxModels.read(modelPath).model();
        List<MlpBlock> blocks = MlpBlockFinder.find(model);
        Preprocessor pre = Fixtures.preprocessor(modelPath);
        float[] input;
        if (pre.channels() == 1 && pre.width() == 28) {
            input = Fixtures.batch(ImageSet.open(Fixtures.testImages(), null, batch), pre, batch);
        } else {
            input = new float[batch * pre.size()];
            java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
            for (int i = 0; i < input.length; i++) {
                input[i] = (float) rng.nextGaussian();
            }
        }
        long[] shape = {batch, pre.channels(), pre.height(), pre.width()};

        ModelProto.Builder exposed = model.toBuilder();
        Set<String> hidden = new HashSet<>();
        for (MlpBlock b : blocks) {
            hidden.add(b.hidden());
            exposed.getGraphBuilder().addOutput(ValueInfoProto.newBuilder().setName(b.hidden()).setType(TypeProto.newBuilder()
                    .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()))));
        }
        try (ModelSession plain = new ModelSession(model);
             InstrumentedSession inGraph = new InstrumentedSession(model, blocks);
             ModelSession copyOut = new ModelSession(exposed.build());
             InstrumentedSession sampled = tokensPerImage > 0 ? new InstrumentedSession(model, blocks, tokensPerImage) : null) {
            long[] seeds = new long[batch];
            for (int i = 0; i < batch; i++) {
                seeds[i] = io.vbpstream.core.stats.TokenSampler.imageSeed(0, 0, i);
            }
            Runnable[] variants = sampled == null ? new Runnable[] {
                () -> plain.logits(input, shape),
                () -> inGraph.runInstrumented(input, shape),
                () -> copyAndReduce(copyOut, blocks, hidden, input, shape)} : new Runnable[] {
                () -> plain.logits(input, shape),
                () -> inGraph.runInstrumented(input, shape),
                () -> copyAndReduce(copyOut, blocks, hidden, input, shape),
                () -> sampled.runSampled(input, shape, seeds)};
            int n = variants.length;
            for (int w = 0; w < 5; w++) {
                for (Runnable v : variants) {
                    v.run();
                }
            }
            double[][] ms = new double[n][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < n; k++) {
                    int v = (r + k) % n;
                    long t0 = System.nanoTime();
                    variants[v].run();
                    ms[v][r] = (System.nanoTime() - t0) / 1e6;
                }
            }
            double[] inGraphRatio = new double[rounds];
            double[] copyRatio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                inGraphRatio[r] = ms[0][r] / ms[1][r];
                copyRatio[r] = ms[0][r] / ms[2][r];
            }
            String[] names = {"plain inference", "in-graph moments (vbp)", "copy hidden tensors + Java reduction",
                "moments + " + tokensPerImage + " tokens' co-moments"};
            System.out.printf(Locale.ROOT, "model %s, batch %d, %d blocks, %d interleaved rounds; %s; %s%n", modelPath.getFileName(),
                    batch, blocks.size(), rounds, Fixtures.cpuModel(), Fixtures.machine());
            for (int v = 0; v < n; v++) {
                double med = LatencyBench.median(ms[v]);
                System.out.printf(Locale.ROOT, "  %-38s median %8.3f ms/batch  %8.0f images/s%n", names[v], med, batch * 1000 / med);
            }
            System.out.printf(Locale.ROOT, "  throughput ratio in-graph / plain:  %.3f (median of per-round ratios)%n", LatencyBench.median(inGraphRatio));
            System.out.printf(Locale.ROOT, "  throughput ratio copy-out / plain:  %.3f%n", LatencyBench.median(copyRatio));
            if (sampled != null) {
                double[] coRatio = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    coRatio[r] = ms[1][r] / ms[3][r];
                }
                System.out.printf(Locale.ROOT, "  throughput ratio with co-moments / moments only:  %.3f (median of per-round ratios)%n",
                        LatencyBench.median(coRatio));
            }
        }
    }

    private static void copyAndReduce(ModelSession s, List<MlpBlock> blocks, Set<String> hidden, float[] input, long[] shape) {
        Set<String> outputs = new HashSet<>(hidden);
        outputs.add(s.outputName());
        try (OrtSession.Result r = s.run(input, shape, outputs)) {
            for (MlpBlock b : blocks) {
                FloatBuffer fb = ((OnnxTensor) r.get(b.hidden()).orElseThrow()).getFloatBuffer();
                float[] h = new float[fb.remaining()];
                fb.get(h);
                Moments.empty(b.width()).addBatch(h, h.length / b.width());
            }
        } catch (ai.onnxruntime.OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
