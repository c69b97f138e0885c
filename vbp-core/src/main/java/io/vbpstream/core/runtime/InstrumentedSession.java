package io.vbpstream.core.runtime;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.vbpstream.core.onnx.Instrumenter;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.TokenSampler;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Runs the instrumented model: logits plus, per MLP block, the batch's activation moments computed in the graph. */
public final class InstrumentedSession extends ModelSession {

    private final List<Instrumenter.BlockOutputs> outputs;
    private final Set<String> requested = new HashSet<>();
    private final Set<String> requestedWithCoMoments = new HashSet<>();

    /**
     * Batch output: the model's first output (flattened, with its shape) and moments per block over every token of
     * every image.
     */
    public record BatchResult(float[] output, long[] outputShape, Map<String, Moments> moments,
                              Map<String, CoMoments> coMoments) {
        /** The first output as rows, one per batch item (e.g. logits {@code [batch, classes]}). */
        public float[][] logits() {
            int rows = (int) outputShape[0];
            int cols = rows == 0 ? 0 : output.length / rows;
            float[][] out = new float[rows][];
            for (int i = 0; i < rows; i++) {
                out[i] = java.util.Arrays.copyOfRange(output, i * cols, (i + 1) * cols);
            }
            return out;
        }
    }

    private final boolean coMomentsAvailable;
    /** Tokens sampled per image for the co-moments; 0 when they are over every token (or off). */
    private final int tokensPerImage;
    /** Tokens per image of each block, learnt by a probe run before the first sampled batch. */
    private Map<String, Integer> tokens;
    /** The sampled rows' Gram kernels, by width. */
    private final Map<Integer, GramKernel> kernels = new java.util.HashMap<>();

    /** Logits and moments only. */
    public InstrumentedSession(ModelProto model, List<MlpBlock> blocks) {
        this(model, blocks, false);
    }

    /**
     * With {@code coMoments}, the graph also holds the co-moment outputs, computed only by the runs that ask for them.
     * Without, it holds none: their nodes, though never run, cost the moments-only runs about a third of their
     * throughput on fmnist-vit (ONNX Runtime optimises the hidden tensor's consumers differently).
     */
    public InstrumentedSession(ModelProto model, List<MlpBlock> blocks, boolean coMoments) {
        this(Instrumenter.instrument(model, blocks, coMoments), blocks, coMoments, 0);
    }

    /**
     * Co-moments over {@code tokensPerImage} tokens of each image ({@link Instrumenter#instrumentTokenSampled}, the
     * estimator the collectors run), computed on every batch by {@link #runSampled}.
     */
    public InstrumentedSession(ModelProto model, List<MlpBlock> blocks, int tokensPerImage) {
        this(Instrumenter.instrumentTokenSampled(model, blocks), blocks, true, requirePositive(tokensPerImage));
    }

    private static int requirePositive(int tokensPerImage) {
        if (tokensPerImage < 1) {
            throw new IllegalArgumentException("tokens per image must be positive, got " + tokensPerImage);
        }
        return tokensPerImage;
    }

    private InstrumentedSession(ModelProto instrumented, List<MlpBlock> blocks, boolean coMoments, int tokensPerImage) {
        super(instrumented);
        this.coMomentsAvailable = coMoments;
        this.tokensPerImage = tokensPerImage;
        this.outputs = Instrumenter.outputsFor(blocks);
        requested.add(logitsName);
        for (Instrumenter.BlockOutputs o : outputs) {
            requested.addAll(List.of(o.sum(), o.sumOfSquares(), o.size()));
        }
        requestedWithCoMoments.addAll(requested);
        for (Instrumenter.BlockOutputs o : outputs) {
            requestedWithCoMoments.addAll(tokensPerImage > 0 ? List.of(o.sampled()) : List.of(o.centre(), o.gram()));
        }
    }

    /** Logits and moments (the co-moment matrices are not computed). */
    public BatchResult runInstrumented(float[] batch, long[] shape) {
        return runInstrumented(batch, shape, false);
    }

    /**
     * Logits and moments, and with {@code coMoments} each block's co-moment matrix too: O(w²) per token where the
     * moments cost O(w), about as much as the MLP's own forward pass, so callers sample the batches they ask it for.
     */
    public BatchResult runInstrumented(float[] batch, long[] shape, boolean coMoments) {
        if (coMoments && !coMomentsAvailable) {
            throw new IllegalStateException("this session was built without co-moment outputs");
        }
        if (tokensPerImage > 0) {
            throw new IllegalStateException("a token-sampled session runs batches with their images' seeds: runSampled");
        }
        return result(batch, shape, Map.of(), coMoments);
    }

    /**
     * Logits, moments over every token, and co-moments over the tokens {@link TokenSampler} draws for each image
     * from its seed ({@code imageSeeds[i]} for the batch's image {@code i}).
     */
    public BatchResult runSampled(float[] batch, long[] shape, long[] imageSeeds) {
        if (tokensPerImage == 0) {
            throw new IllegalStateException("this session was not built to sample tokens");
        }
        if (imageSeeds.length != shape[0]) {
            throw new IllegalArgumentException(imageSeeds.length + " seeds for a batch of " + shape[0]);
        }
        if (tokens == null) {
            tokens = probeTokens(shape);
        }
        Map<String, long[]> rows = new java.util.HashMap<>();
        for (Instrumenter.BlockOutputs o : outputs) {
            rows.put(o.rows(), TokenSampler.rows(imageSeeds, tokens.get(o.block()), tokensPerImage));
        }
        return result(batch, shape, rows, true);
    }

    /** Tokens per image of each block: one blank image, sampling its first row. */
    private Map<String, Integer> probeTokens(long[] shape) {
        long[] one = shape.clone();
        one[0] = 1;
        long n = 1;
        for (long d : one) {
            n *= d;
        }
        Map<String, long[]> rows = new java.util.HashMap<>();
        for (Instrumenter.BlockOutputs o : outputs) {
            rows.put(o.rows(), new long[] {0});
        }
        Map<String, Integer> out = new java.util.HashMap<>();
        result(new float[(int) n], one, rows, false).moments().forEach((block, m) -> out.put(block, (int) m.count()));
        return out;
    }

    private BatchResult result(float[] batch, long[] shape, Map<String, long[]> rows, boolean coMoments) {
        try (OrtSession.Result r = run(batch, shape, rows, coMoments ? requestedWithCoMoments : requested)) {
            ai.onnxruntime.OnnxTensor first = (ai.onnxruntime.OnnxTensor) r.get(logitsName).orElseThrow();
            java.nio.FloatBuffer fb = first.getFloatBuffer();
            float[] output = new float[fb.remaining()];
            fb.get(output);
            Map<String, Moments> moments = new LinkedHashMap<>();
            Map<String, CoMoments> coMomentMatrices = new LinkedHashMap<>();
            for (Instrumenter.BlockOutputs o : outputs) {
                Moments m = o.toMoments((Long) value(r, o.size()), (double[]) value(r, o.sum()),
                        (double[]) value(r, o.sumOfSquares()));
                moments.put(o.block(), m);
                if (coMoments && rows.isEmpty()) {
                    coMomentMatrices.put(o.block(), o.toCoMoments(m.count(), m.mean(), floats(r, o.centre()),
                            floats(r, o.gram())));
                } else if (coMoments) {
                    CoMoments c = CoMoments.empty(o.width());
                    kernels.computeIfAbsent(o.width(), GramKernel::new).merge(c, floats(r, o.sampled()),
                            rows.get(o.rows()).length);
                    coMomentMatrices.put(o.block(), c);
                }
            }
            return new BatchResult(output, first.getInfo().getShape(), moments, coMomentMatrices);
        } catch (OrtException e) {
            throw new IllegalStateException("instrumented inference failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        kernels.values().forEach(GramKernel::close);
        super.close();
    }

    private static float[] floats(OrtSession.Result r, String name) throws OrtException {
        java.nio.FloatBuffer fb = ((ai.onnxruntime.OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        float[] out = new float[fb.remaining()];
        fb.get(out);
        return out;
    }
}
