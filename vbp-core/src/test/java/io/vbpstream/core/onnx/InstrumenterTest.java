package io.vbpstream.core.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import io.vbpstream.core.TestSupport;
import io.vbpstream.core.data.ImageSet;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.runtime.Batches;
import io.vbpstream.core.runtime.InstrumentedSession;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.core.stats.Moments;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InstrumenterTest {

    /** The model with a tensor added as a float graph output (what "copy the full tensor out" means). */
    static ModelProto exposing(ModelProto m, String tensor) {
        return m.toBuilder().setGraph(m.getGraph().toBuilder().addOutput(ValueInfoProto.newBuilder().setName(tensor)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT.getNumber()))))).build();
    }

    /** Moments of a tensor copied out of ONNX Runtime and reduced in Java with a two-pass batch update. */
    static Moments javaSide(ModelProto model, String hidden, int width, float[] x, long[] shape) throws Exception {
        try (ModelSession s = new ModelSession(exposing(model, hidden));
             OrtSession.Result r = s.run(x, shape, Set.of(hidden))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] h = new float[fb.remaining()];
            fb.get(h);
            return Moments.empty(width).addBatch(h, h.length / width);
        }
    }

    /**
     * In-graph per-item sums are float32 GEMMs (then merged in float64). Summation error scales with the sum of the
     * magnitudes, not with the result, so it is bounded relative to each neuron's root mean square {@code sqrt(E[h^2])}
     * for the mean, and to {@code n * E[h^2]} (the sum of squares) for M2.
     */
    private static final double MEAN_TOLERANCE = 1e-6;
    private static final double M2_TOLERANCE = 1e-5;

    static void assertMomentsClose(Moments expected, Moments actual, double meanTol, double m2Tol) {
        assertEquals(expected.count(), actual.count());
        double[] var = expected.variance();
        for (int j = 0; j < expected.width(); j++) {
            double meanSquare = var[j] + expected.mean(j) * expected.mean(j);
            double dMean = Math.abs(expected.mean(j) - actual.mean(j));
            double dM2 = Math.abs(expected.m2(j) - actual.m2(j));
            assertTrue(dMean <= meanTol * Math.sqrt(meanSquare),
                    "neuron " + j + " mean " + expected.mean(j) + " vs " + actual.mean(j));
            assertTrue(dM2 <= m2Tol * expected.count() * meanSquare,
                    "neuron " + j + " m2 " + expected.m2(j) + " vs " + actual.m2(j));
        }
    }

    private static float[] randomInput(long seed, int n) {
        return SyntheticModels.random(new SplittableRandom(seed), n, 1.0);
    }

    @Test
    void inGraphMomentsEqualJavaReductionOfTheFullTensor() throws Exception {
        for (long opset : new long[] {17, 18}) {
            ModelProto m = SyntheticModels.mlp(SyntheticModels.Style.ERF_TORCH, 8, 16, 8, 3, true);
            m = m.toBuilder().clearOpsetImport()
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).build();
            List<MlpBlock> blocks = MlpBlockFinder.find(m);
            long[] shape = {4, 5, 8};
            float[] x = randomInput(opset, 4 * 5 * 8);
            Moments expected = javaSide(m, "h", 16, x, shape);
            try (InstrumentedSession s = new InstrumentedSession(m, blocks)) {
                Moments got = s.runInstrumented(x, shape).moments().get("mlp0");
                assertEquals(20, got.count(), "batch x tokens samples, opset " + opset);
                assertMomentsClose(expected, got, MEAN_TOLERANCE, M2_TOLERANCE);
            }
        }
    }

    @Test
    void referenceViTReturnsMomentsForEveryBlockAndUnchangedLogits() throws Exception {
        ModelProto m = TestSupport.model(TestSupport.fmnistModel());
        List<MlpBlock> blocks = MlpBlockFinder.find(m);
        ImageSet images = ImageSet.open(TestSupport.testImages(), null, 32);
        Preprocessor pre = new Preprocessor(ModelCard.besideModel(TestSupport.fmnistModel()).input());
        Batches batches = new Batches(images, pre, 32);
        float[] x = batches.load(0);
        long[] shape = batches.shape(0);
        float[][] plain;
        try (ModelSession s = new ModelSession(m)) {
            plain = s.logits(x, shape);
        }
        try (InstrumentedSession s = new InstrumentedSession(m, blocks)) {
            InstrumentedSession.BatchResult r = s.runInstrumented(x, shape);
            assertEquals(6, r.moments().size());
            for (Moments mo : r.moments().values()) {
                assertEquals(32 * 50, mo.count(), "32 images x (49 patches + cls)");
                assertEquals(256, mo.width());
            }
            assertTrue(TestSupport.maxAbsDiff(plain, r.logits()) < 1e-5, "instrumentation must not change the logits");
            for (int i = 0; i < plain.length; i++) {
                assertEquals(Batches.argmax(plain[i]), Batches.argmax(r.logits()[i]));
            }
            Moments expected = javaSide(m, blocks.get(3).hidden(), 256, x, shape);
            assertMomentsClose(expected, r.moments().get("mlp3"), MEAN_TOLERANCE, M2_TOLERANCE);
        }
    }

    @Test
    void inGraphCoMomentsEqualJavaReductionOfTheFullTensor() throws Exception {
        ModelProto m = TestSupport.model(TestSupport.fmnistModel());
        List<MlpBlock> blocks = MlpBlockFinder.find(m);
        Preprocessor pre = new Preprocessor(ModelCard.besideModel(TestSupport.fmnistModel()).input());
        Batches batches = new Batches(ImageSet.open(TestSupport.testImages(), null, 16), pre, 16);
        float[] x = batches.load(0);
        long[] shape = batches.shape(0);
        io.vbpstream.core.stats.CoMoments expected;
        try (ModelSession s = new ModelSession(exposing(m, blocks.get(2).hidden()));
             OrtSession.Result r = s.run(x, shape, Set.of(blocks.get(2).hidden()))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] h = new float[fb.remaining()];
            fb.get(h);
            expected = io.vbpstream.core.stats.CoMoments.empty(256).addBatch(h, h.length / 256);
        }
        try (InstrumentedSession s = new InstrumentedSession(m, blocks, true)) {
            assertTrue(s.runInstrumented(x, shape).coMoments().isEmpty(), "not computed unless asked for");
            InstrumentedSession.BatchResult r = s.runInstrumented(x, shape, true);
            assertEquals(6, r.coMoments().size());
            io.vbpstream.core.stats.CoMoments actual = r.coMoments().get("mlp2");
            assertEquals(16 * 50, actual.count());
            for (int i = 0; i < 256; i++) {
                for (int j = i; j < 256; j++) {
                    double scale = Math.sqrt(expected.coMoment(i, i) * expected.coMoment(j, j));
                    // a float32 GEMM over 800 tokens: error bounded relative to the two neurons' spread
                    assertEquals(expected.coMoment(i, j), actual.coMoment(i, j), 1e-4 * scale + 1e-9, "C[" + i + "][" + j + "]");
                }
                assertEquals(r.moments().get("mlp2").m2(i), actual.coMoment(i, i), 1e-4 * actual.coMoment(i, i) + 1e-9,
                        "the diagonal is the moments' M2");
            }
        }
    }

    /**
     * The collectors' estimator: co-moments over {@code k} tokens per image drawn from each image's seed. Against a
     * two-pass float64 reference over exactly those rows of the hidden tensor copied out of ONNX Runtime, every
     * co-moment agrees within 1e-5 of the two neurons' spread {@code sqrt(C_ii C_jj)} (a float32 Gram over 8 x 5
     * rows), the means within 1e-6 of the neuron's scale; the moments stay those of every token.
     */
    @Test
    void tokenSampledCoMomentsAreThoseOfTheSampledRowsAlone() throws Exception {
        ModelProto m = TestSupport.model(TestSupport.fmnistModel());
        List<MlpBlock> blocks = MlpBlockFinder.find(m);
        Preprocessor pre = new Preprocessor(ModelCard.besideModel(TestSupport.fmnistModel()).input());
        Batches batches = new Batches(ImageSet.open(TestSupport.testImages(), null, 8), pre, 8);
        float[] x = batches.load(0);
        long[] shape = batches.shape(0);
        long[] seeds = new long[8];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = io.vbpstream.core.stats.TokenSampler.imageSeed(42, 3, 100 + i);
        }
        int k = 5;
        InstrumentedSession.BatchResult full;
        InstrumentedSession.BatchResult sampled;
        try (InstrumentedSession s = new InstrumentedSession(m, blocks, false)) {
            full = s.runInstrumented(x, shape);
        }
        try (InstrumentedSession s = new InstrumentedSession(m, blocks, k)) {
            assertThrows(IllegalStateException.class, () -> s.runInstrumented(x, shape, true),
                    "a token-sampled session needs the images' seeds");
            sampled = s.runSampled(x, shape, seeds);
        }
        assertArrayEquals(full.output(), sampled.output(), 1e-6f, "logits unchanged");
        for (MlpBlock b : blocks) {
            assertMomentsClose(full.moments().get(b.name()), sampled.moments().get(b.name()), 1e-12, 1e-12);
            float[] h;
            try (ModelSession s = new ModelSession(exposing(m, b.hidden()));
                 OrtSession.Result r = s.run(x, shape, Set.of(b.hidden()))) {
                h = floats(r, b.hidden());
            }
            int w = b.width();
            int tokens = h.length / w / 8;
            long[] rows = io.vbpstream.core.stats.TokenSampler.rows(seeds, tokens, k);
            double[] mean = new double[w];
            for (long row : rows) {
                for (int j = 0; j < w; j++) {
                    mean[j] += h[(int) row * w + j] / (double) rows.length;
                }
            }
            var actual = sampled.coMoments().get(b.name());
            assertEquals(rows.length, actual.count(), b.name() + ": 8 images x " + k + " tokens");
            double[] diag = new double[w];
            for (int i = 0; i < w; i++) {
                for (long row : rows) {
                    double d = h[(int) row * w + i] - mean[i];
                    diag[i] += d * d;
                }
            }
            for (int i = 0; i < w; i++) {
                assertEquals(mean[i], actual.mean(i), 1e-6 * (Math.sqrt(diag[i] / rows.length) + Math.abs(mean[i])) + 1e-9,
                        b.name() + " mean " + i);
                for (int j = i; j < w; j += 3) {
                    double c = 0;
                    for (long row : rows) {
                        c += (h[(int) row * w + i] - mean[i]) * (h[(int) row * w + j] - mean[j]);
                    }
                    assertEquals(c, actual.coMoment(i, j), 1e-5 * Math.sqrt(diag[i] * diag[j]) + 1e-9,
                            b.name() + " C[" + i + "][" + j + "]");
                }
            }
        }
    }

    private static float[] floats(OrtSession.Result r, String name) throws Exception {
        FloatBuffer fb = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        float[] out = new float[fb.remaining()];
        fb.get(out);
        return out;
    }

    @Test
    void instrumentationLeavesTheOriginalOutputsFirst() {
        ModelProto m = SyntheticModels.mlp(SyntheticModels.Style.RELU, 4, 6, 4, 1, true);
        ModelProto inst = Instrumenter.instrument(m, MlpBlockFinder.find(m), true);
        assertEquals("y", inst.getGraph().getOutput(0).getName());
        assertArrayEquals(new String[] {"y", "vbp.mlp0.sum", "vbp.mlp0.sumsq", "vbp.mlp0.size", "vbp.mlp0.centre",
                "vbp.mlp0.gram"}, inst.getGraph().getOutputList().stream().map(ValueInfoProto::getName).toArray());
        assertEquals(m.getGraph().getInitializerCount() + 3 + 3, inst.getGraph().getInitializerCount(), "shared + per block");
        assertEquals(m.getGraph().getNode(0), inst.getGraph().getNode(0), "original nodes untouched");
    }

    @Test
    void statisticsDoNotDependOnHowImagesAreBatched() throws Exception {
        // each image's sums depend only on that image, so batches of 5 and one batch of 40 agree to float64 rounding
        ModelProto m = TestSupport.model(TestSupport.fmnistModel());
        List<MlpBlock> blocks = MlpBlockFinder.find(m);
        ImageSet images = ImageSet.open(TestSupport.testImages(), null, 40);
        Preprocessor pre = new Preprocessor(ModelCard.besideModel(TestSupport.fmnistModel()).input());
        var big = io.vbpstream.core.runtime.StatisticsCollector.collect(m, "x", blocks, images, pre, 40, n -> { });
        var small = io.vbpstream.core.runtime.StatisticsCollector.collect(m, "x", blocks, images, pre, 5, n -> { });
        for (MlpBlock b : blocks) {
            assertMomentsClose(big.get(b.name()), small.get(b.name()), 1e-12, 1e-12);
        }
    }
}
