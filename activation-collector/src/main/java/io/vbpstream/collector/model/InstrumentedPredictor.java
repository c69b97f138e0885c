package io.vbpstream.collector.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.vbpstream.core.onnx.Instrumenter;
import io.vbpstream.core.onnx.InvalidModelException;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.runtime.InstrumentedSession.BatchResult;
import io.vbpstream.core.runtime.OrtEnv;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.Moments;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The instrumented model (vbp-core's in-graph moments) run by DJL's ONNX Runtime engine: one call gives a batch's
 * logits and, per MLP block, the moments of its post-activation hidden tensor over every token of every image. With
 * co-moments on, the graph is {@link Instrumenter#instrumentSampled}: a batch marked {@code sampleCoMoments} also
 * returns each block's co-moment matrix, which costs about one more MLP forward pass; other batches pay nothing for it
 * (DJL computes every graph output, so the switch is inside the graph). Not thread-safe: one caller at a time.
 */
public final class InstrumentedPredictor implements AutoCloseable {

    /**
     * A batch of {@code count} preprocessed images, {@code [count, C, H, W]} row-major in {@code data}; with
     * {@code sampleCoMoments} (and a predictor built with co-moments) the result holds each block's co-moments too.
     */
    public record Batch(float[] data, int count, boolean sampleCoMoments) {
        public Batch(float[] data, int count) {
            this(data, count, false);
        }
    }

    private final Model model;
    private final Predictor<Batch, BatchResult> predictor;
    private final boolean coMoments;

    public InstrumentedPredictor(String name, ModelProto base, List<MlpBlock> blocks, long[] imageShape, int threads,
                                 boolean coMoments) {
        DjlEngine.get();
        this.coMoments = coMoments;
        String logits = base.getGraph().getOutput(0).getName();
        List<Instrumenter.BlockOutputs> outputs = Instrumenter.outputsFor(blocks);
        Model m = Model.newInstance(name, Device.cpu(), DjlEngine.NAME);
        Path file = null;
        try (OrtSession.SessionOptions options = OrtEnv.sessionOptions()) {
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            }
            // ONNX Runtime reads the instrumented graph from a file: handing it bytes would hold the model on the
            // heap twice more (the serialised copy, and DJL's copy of the stream)
            file = Files.createTempFile("vbp-instrumented-", ".onnx");
            OnnxModels.write(coMoments ? Instrumenter.instrumentSampled(base, blocks) : Instrumenter.instrument(base, blocks), file);
            Map<String, Object> settings = new HashMap<>();
            settings.put("sessionOptions", options);
            m.load(file, null, settings);
        } catch (OrtException | IOException | MalformedModelException | RuntimeException e) {
            m.close();
            throw new InvalidModelException("ONNX Runtime (DJL) cannot load the model: " + e.getMessage(), e);
        } finally {
            deleteQuietly(file);
        }
        this.model = m;
        this.predictor = m.newPredictor(new MomentsTranslator(base.getGraph().getInput(0).getName(), logits, outputs,
                imageShape, coMoments));
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a temporary file: the OS cleans its temp folder
            }
        }
    }

    /** True if batches can ask for co-moments. */
    public boolean coMoments() {
        return coMoments;
    }

    public BatchResult predict(Batch batch) {
        try {
            return predictor.predict(batch);
        } catch (TranslateException e) {
            throw new IllegalStateException("inference failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        predictor.close();
        model.close();
    }

    /**
     * Float batch in (and the sample switch, by name); logits and per-block moments (and co-moments, when sampled)
     * out. Batches itself, so DJL's batchifier is off.
     */
    private record MomentsTranslator(String input, String logits, List<Instrumenter.BlockOutputs> outputs,
                                     long[] imageShape, boolean coMoments) implements Translator<Batch, BatchResult> {

        @Override
        public NDList processInput(TranslatorContext ctx, Batch batch) {
            long[] shape = new long[imageShape.length + 1];
            shape[0] = batch.count();
            long per = 1;
            for (int i = 0; i < imageShape.length; i++) {
                shape[i + 1] = imageShape[i];
                per *= imageShape[i];
            }
            FloatBuffer data = FloatBuffer.wrap(batch.data(), 0, (int) (per * batch.count()));
            NDArray images = ctx.getNDManager().create(data, new Shape(shape));
            if (!coMoments) {
                return new NDList(images);
            }
            ctx.setAttachment(SAMPLED, batch.sampleCoMoments());
            images.setName(input);
            NDArray sample = ctx.getNDManager().create(new float[] {batch.sampleCoMoments() ? 1f : 0f}, new Shape(1));
            sample.setName(Instrumenter.SAMPLE_INPUT);
            return new NDList(images, sample);
        }

        @Override
        public BatchResult processOutput(TranslatorContext ctx, NDList list) {
            Map<String, NDArray> byName = new HashMap<>();
            for (NDArray a : list) {
                byName.put(a.getName(), a);
            }
            NDArray out = require(byName, logits);
            Map<String, Moments> moments = new LinkedHashMap<>();
            Map<String, CoMoments> coMomentMatrices = new LinkedHashMap<>();
            boolean sampled = coMoments && Boolean.TRUE.equals(ctx.getAttachment(SAMPLED));
            for (Instrumenter.BlockOutputs o : outputs) {
                long size = require(byName, o.size()).toLongArray()[0];
                Moments m = o.toMoments(size, require(byName, o.sum()).toDoubleArray(),
                        require(byName, o.sumOfSquares()).toDoubleArray());
                moments.put(o.block(), m);
                if (sampled) {
                    coMomentMatrices.put(o.block(), o.toCoMoments(m.count(), m.mean(),
                            require(byName, o.centre()).toFloatArray(), require(byName, o.gram()).toFloatArray()));
                }
            }
            return new BatchResult(out.toFloatArray(), out.getShape().getShape(), moments, coMomentMatrices);
        }

        private static final String SAMPLED = "vbp.sampled";

        @Override
        public Batchifier getBatchifier() {
            return null;
        }

        private static NDArray require(Map<String, NDArray> byName, String name) {
            NDArray a = byName.get(name);
            if (a == null) {
                throw new IllegalStateException("the model returned no output " + name);
            }
            return a;
        }
    }
}
