package io.vbpstream.core.runtime;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.vbpstream.core.onnx.Instrumenter;
import io.vbpstream.core.onnx.MlpBlock;
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

    /**
     * Batch output: the model's first output (flattened, with its shape) and moments per block over every token of
     * every image.
     */
    public record BatchResult(float[] output, long[] outputShape, Map<String, Moments> moments) {
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

    public InstrumentedSession(ModelProto model, List<MlpBlock> blocks) {
        super(Instrumenter.instrument(model, blocks));
        this.outputs = Instrumenter.outputsFor(blocks);
        requested.add(logitsName);
        for (Instrumenter.BlockOutputs o : outputs) {
            requested.addAll(List.of(o.sum(), o.sumOfSquares(), o.size()));
        }
    }

    public BatchResult runInstrumented(float[] batch, long[] shape) {
        try (OrtSession.Result r = run(batch, shape, requested)) {
            ai.onnxruntime.OnnxTensor first = (ai.onnxruntime.OnnxTensor) r.get(logitsName).orElseThrow();
            java.nio.FloatBuffer fb = first.getFloatBuffer();
            float[] output = new float[fb.remaining()];
            fb.get(output);
            Map<String, Moments> moments = new LinkedHashMap<>();
            for (Instrumenter.BlockOutputs o : outputs) {
                moments.put(o.block(), o.toMoments((Long) value(r, o.size()),
                        (double[]) value(r, o.sum()), (double[]) value(r, o.sumOfSquares())));
            }
            return new BatchResult(output, first.getInfo().getShape(), moments);
        } catch (OrtException e) {
            throw new IllegalStateException("instrumented inference failed: " + e.getMessage(), e);
        }
    }
}
