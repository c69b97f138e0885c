package io.vbpstream.collector.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.vbpstream.core.onnx.Instrumenter;
import io.vbpstream.core.onnx.InvalidModelException;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.runtime.InstrumentedSession.BatchResult;
import io.vbpstream.core.runtime.OrtEnv;
import io.vbpstream.core.stats.TokenSampler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The instrumented model (vbp-core's in-graph moments) run by DJL's ONNX Runtime engine: one call gives a batch's
 * logits and, per MLP block, the moments of its post-activation hidden tensor over every token of every image. With
 * co-moments on, the graph is {@link Instrumenter#instrumentTokenSampled}: every batch also returns each block's
 * activations at {@code tokensPerImage} tokens of each image, drawn by {@link TokenSampler} from the image's seed,
 * for the caller to gather their co-moments. Not thread-safe: one caller at a time.
 */
public final class InstrumentedPredictor implements BatchPredictor {

    /**
     * A batch of {@code count} preprocessed images, {@code [count, C, H, W]} row-major in {@code data}, and, for a
     * predictor built with co-moments, each image's token seed ({@link TokenSampler#imageSeed}): each block's
     * activation rows at those tokens are handed to {@code rows} block by block (without a sink they are dropped).
     * Without seeds the batch samples no tokens (the graph gathers empty row lists) and hands nothing on.
     */
    public record Batch(float[] data, int count, long[] imageSeeds, RowsSink rows) {
        public Batch {
            if (imageSeeds != null && imageSeeds.length != count) {
                throw new IllegalArgumentException(imageSeeds.length + " seeds for a batch of " + count);
            }
        }

        public Batch(float[] data, int count) {
            this(data, count, null, null);
        }
    }

    /**
     * Takes a batch's sampled activation rows of one block, row-major {@code [count, width]}, for their co-moments
     * ({@link io.vbpstream.core.runtime.SampledCoMoments}). Called block by block, only once every output of the
     * batch has been read.
     */
    @FunctionalInterface
    public interface RowsSink {
        void accept(String block, int width, float[] rows, int count);
    }

    private final Model model;
    private final Predictor<Batch, BatchResult> predictor;
    private final boolean coMoments;
    private final MomentsTranslator translator;

    /**
     * The instrumented graph written to a temporary file, with the names the predictor needs: what is left of a
     * model once its {@link ModelProto} may be garbage. ONNX Runtime reads the graph from the file, so the parsed
     * model (as large as the file) is not on the heap while ONNX Runtime builds its session; handing it bytes would
     * also hold the serialised copy and DJL's copy of the stream.
     */
    public record Instrumented(Path file, String input, String logits, List<Instrumenter.BlockOutputs> outputs,
                               int tokensPerImage) implements AutoCloseable {
        /** True if the graph also returns co-moments. */
        public boolean coMoments() {
            return tokensPerImage > 0;
        }

        @Override
        public void close() {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a temporary file: the OS cleans its temp folder
            }
        }
    }

    /**
     * Instruments {@code base} into a temporary file: with {@code tokensPerImage} above 0, with the co-moments over
     * that many tokens of each image.
     */
    public static Instrumented instrument(ModelProto base, List<MlpBlock> blocks, int tokensPerImage) {
        Path file = null;
        try {
            file = Files.createTempFile("vbp-instrumented-", ".onnx");
            OnnxModels.write(tokensPerImage > 0 ? Instrumenter.instrumentTokenSampled(base, blocks)
                    : Instrumenter.instrument(base, blocks), file);
            return new Instrumented(file, base.getGraph().getInput(0).getName(), base.getGraph().getOutput(0).getName(),
                    Instrumenter.outputsFor(blocks), tokensPerImage);
        } catch (IOException | RuntimeException e) {
            if (file != null) {
                new Instrumented(file, null, null, List.of(), tokensPerImage).close();
            }
            throw new InvalidModelException("cannot write the instrumented model: " + e.getMessage(), e);
        }
    }

    public InstrumentedPredictor(String name, Instrumented graph, long[] imageShape, int threads) {
        DjlEngine.get();
        this.coMoments = graph.coMoments();
        Model m = Model.newInstance(name, Device.cpu(), DjlEngine.NAME);
        try (OrtSession.SessionOptions options = OrtEnv.sessionOptions()) {
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            }
            Map<String, Object> settings = new HashMap<>();
            settings.put("sessionOptions", options);
            m.load(graph.file(), null, settings);
        } catch (OrtException | IOException | MalformedModelException | RuntimeException e) {
            m.close();
            throw new InvalidModelException("ONNX Runtime (DJL) cannot load the model: " + e.getMessage(), e);
        }
        this.model = m;
        this.translator = new MomentsTranslator(graph.input(), graph.logits(), graph.outputs(), imageShape,
                graph.tokensPerImage(), new HashMap<>());
        this.predictor = m.newPredictor(translator);
        if (coMoments) {
            probeTokens(imageShape);
        }
    }

    /**
     * Tokens per image of each block, from one blank image whose first row is sampled (before the tokens are known,
     * every block is taken to have one): the sampled rows of later batches are drawn from them.
     */
    private void probeTokens(long[] imageShape) {
        long size = 1;
        for (long d : imageShape) {
            size *= d;
        }
        BatchResult r;
        try {
            r = predict(new Batch(new float[(int) size], 1, new long[] {0}, null));
        } catch (RuntimeException e) {
            close();
            throw new InvalidModelException("the instrumented model fails on a blank image: " + e.getMessage(), e);
        }
        r.moments().forEach((block, m) -> translator.tokens().put(block, (int) m.count()));
    }

    @Override
    public boolean coMoments() {
        return coMoments;
    }

    @Override
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
}
