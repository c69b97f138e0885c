package io.vbpstream.core.runtime;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.vbpstream.core.onnx.InvalidModelException;

import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Set;

/** An ONNX Runtime session over an in-memory model, for float image inputs. */
public class ModelSession implements AutoCloseable {

    protected final OrtSession session;
    protected final String inputName;
    protected final String logitsName;

    public ModelSession(ModelProto model) {
        this(model.toByteArray());
    }

    public ModelSession(byte[] modelBytes) {
        this(open(modelBytes, null));
    }

    /** A session read by ONNX Runtime straight from a file (no copy of a large model on the Java heap). */
    public ModelSession(java.nio.file.Path modelFile) {
        this(open(null, modelFile));
    }

    private static OrtSession open(byte[] bytes, java.nio.file.Path file) {
        try (OrtSession.SessionOptions options = OrtEnv.sessionOptions()) {
            return bytes != null ? OrtEnv.get().createSession(bytes, options)
                    : OrtEnv.get().createSession(file.toString(), options);
        } catch (OrtException e) {
            throw new InvalidModelException("ONNX Runtime cannot load the model: " + e.getMessage(), e);
        }
    }

    private ModelSession(OrtSession session) {
        this.session = session;
        // inputs named vbp.* are the instrumentation's own (the sampled rows of the co-moments)
        java.util.List<String> images = session.getInputNames().stream().filter(n -> !n.startsWith("vbp.")).toList();
        if (images.size() != 1 || session.getNumOutputs() < 1) {
            String inputs = session.getInputNames().toString();
            close();
            throw new InvalidModelException("expected a model with one image input and an output, found inputs " + inputs);
        }
        this.inputName = images.get(0);
        this.logitsName = session.getOutputNames().iterator().next();
    }

    /** The model's first output (the logits of a classifier). */
    public String outputName() {
        return logitsName;
    }

    /** Runs a batch of {@code n} preprocessed images and returns the logits, one row per image. */
    public float[][] logits(float[] batch, long[] shape) {
        try (OrtSession.Result r = run(batch, shape, Set.of(logitsName))) {
            return (float[][]) r.get(0).getValue();
        } catch (OrtException e) {
            throw new IllegalStateException("inference failed: " + e.getMessage(), e);
        }
    }

    /** Runs a batch and returns the first output flattened, whatever its rank. */
    public float[] firstOutput(float[] batch, long[] shape) {
        try (OrtSession.Result r = run(batch, shape, Set.of(logitsName))) {
            java.nio.FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException("inference failed: " + e.getMessage(), e);
        }
    }

    /** Runs a batch and returns the requested outputs; the caller closes the result. */
    public OrtSession.Result run(float[] batch, long[] shape, Set<String> outputs) throws OrtException {
        return run(batch, shape, Map.of(), outputs);
    }

    /**
     * Runs a batch with further int64 vector inputs ({@code extra}, by name) and returns the requested outputs; the
     * caller closes the result.
     */
    public OrtSession.Result run(float[] batch, long[] shape, Map<String, long[]> extra, Set<String> outputs)
            throws OrtException {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        java.util.Map<String, OnnxTensor> inputs = new java.util.HashMap<>();
        try {
            inputs.put(inputName, OnnxTensor.createTensor(OrtEnv.get(), FloatBuffer.wrap(batch, 0, (int) n), shape));
            for (Map.Entry<String, long[]> e : extra.entrySet()) {
                inputs.put(e.getKey(), OnnxTensor.createTensor(OrtEnv.get(), java.nio.LongBuffer.wrap(e.getValue()),
                        new long[] {e.getValue().length}));
            }
            return session.run(inputs, outputs);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    static Object value(OrtSession.Result r, String name) throws OrtException {
        OnnxValue v = r.get(name).orElseThrow(() -> new IllegalStateException("missing output " + name));
        return v.getValue();
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
