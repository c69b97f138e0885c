package io.vbpstream.core.runtime;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.vbpstream.core.onnx.Instrumenter;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.Moments;

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
        super(Instrumenter.instrument(model, blocks, coMoments));
        this.coMomentsAvailable = coMoments;
        this.outputs = Instrumenter.outputsFor(blocks);
        requested.add(logitsName);
        for (Instrumenter.BlockOutputs o : outputs) {
            requested.addAll(List.of(o.sum(), o.sumOfSquares(), o.size()));
        }
        requestedWithCoMoments.addAll(requested);
        for (Instrumenter.BlockOutputs o : outputs) {
            requestedWithCoMoments.addAll(List.of(o.centre(), o.gram()));
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
        try (OrtSession.Result r = run(batch, shape, coMoments ? requestedWithCoMoments : requested)) {
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
                if (coMoments) {
                    coMomentMatrices.put(o.block(), o.toCoMoments(m.count(), m.mean(), floats(r, o.centre()),
                            floats(r, o.gram())));
                }
            }
            return new BatchResult(output, first.getInfo().getShape(), moments, coMomentMatrices);
        } catch (OrtException e) {
            throw new IllegalStateException("instrumented inference failed: " + e.getMessage(), e);
        }
    }

    private static float[] floats(OrtSession.Result r, String name) throws OrtException {
        java.nio.FloatBuffer fb = ((ai.onnxruntime.OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        float[] out = new float[fb.remaining()];
        fb.get(out);
        return out;
    }
}
