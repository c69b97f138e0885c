package io.vbpstream.collector.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.vbpstream.collector.model.InstrumentedPredictor.Batch;
import io.vbpstream.collector.model.InstrumentedPredictor.RowsSink;
import io.vbpstream.core.onnx.Instrumenter;
import io.vbpstream.core.runtime.InstrumentedSession.BatchResult;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.TokenSampler;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link InstrumentedPredictor}'s DJL translator: float batch in (and the sample switch, by name); logits and
 * per-block moments (and co-moments, when sampled) out. Batches itself, so DJL's batchifier is off.
 */
record MomentsTranslator(String input, String logits, List<Instrumenter.BlockOutputs> outputs,
                         long[] imageShape, int tokensPerImage, Map<String, Integer> tokens)
        implements Translator<Batch, BatchResult> {

    boolean coMoments() {
        return tokensPerImage > 0;
    }


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
        if (!coMoments()) {
            return new NDList(images);
        }
        // without seeds this batch samples no tokens: every block's row list is empty and nothing is handed on
        long[] seeds = batch.imageSeeds() == null ? new long[0] : batch.imageSeeds();
        if (batch.rows() != null && batch.imageSeeds() != null) {
            ctx.setAttachment(SINK, batch.rows());
        }
        images.setName(input);
        NDList in = new NDList(images);
        Map<Integer, long[]> byTokens = new HashMap<>();
        Map<String, Integer> samples = new HashMap<>();
        for (Instrumenter.BlockOutputs o : outputs) {
            int t = tokens.getOrDefault(o.block(), 1);
            long[] rows = byTokens.computeIfAbsent(t, k -> TokenSampler.rows(seeds, k, tokensPerImage));
            NDArray r = ctx.getNDManager().create(rows);
            r.setName(o.rows());
            in.add(r);
            samples.put(o.block(), rows.length);
        }
        ctx.setAttachment(SAMPLES, samples);
        return in;
    }

    @Override
    public BatchResult processOutput(TranslatorContext ctx, NDList list) {
        Map<String, NDArray> byName = new HashMap<>();
        for (NDArray a : list) {
            byName.put(a.getName(), a);
        }
        NDArray out = require(byName, logits);
        Map<String, Moments> moments = new LinkedHashMap<>();
        boolean sampled = coMoments();
        RowsSink sink = sampled ? (RowsSink) ctx.getAttachment(SINK) : null;
        @SuppressWarnings("unchecked")
        Map<String, Integer> samples = sampled ? (Map<String, Integer>) ctx.getAttachment(SAMPLES) : Map.of();
        for (Instrumenter.BlockOutputs o : outputs) {
            long size = require(byName, o.size()).toLongArray()[0];
            Moments m = o.toMoments(size, require(byName, o.sum()).toDoubleArray(),
                    require(byName, o.sumOfSquares()).toDoubleArray());
            moments.put(o.block(), m);
            if (sampled) {
                require(byName, o.sampled());
            }
        }
        float[] logitValues = out.toFloatArray();
        if (sink != null) {
            // every output is there: now the sampled rows, one block at a time
            for (Instrumenter.BlockOutputs o : outputs) {
                sink.accept(o.block(), o.width(), byName.get(o.sampled()).toFloatArray(), samples.get(o.block()));
            }
        }
        return new BatchResult(logitValues, out.getShape().getShape(), moments, Map.of());
    }

    private static final String SINK = "vbp.rows";
    private static final String SAMPLES = "vbp.samples";

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
