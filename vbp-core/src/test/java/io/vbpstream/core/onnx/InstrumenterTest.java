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
     * In-graph per-item sums are float32 GEMMs (then merged in float64), so against a float64 two-pass over the same
     * float32 activations they agree to float32 accumulation error; the floor covers near-zero entries.
     */
    private static final double MEAN_TOLERANCE = 1e-6;
    private static final double M2_TOLERANCE = 1e-5;

    private static void assertRelClose(double[] expected, double[] actual, double rel) {
        double typical = java.util.Arrays.stream(expected).map(Math::abs).average().orElse(1);
        for (int j = 0; j < expected.length; j++) {
            double scale = Math.max(Math.abs(expected[j]), 1e-3 * typical);
            assertTrue(Math.abs(expected[j] - actual[j]) / scale <= rel,
                    "neuron " + j + ": " + expected[j] + " vs " + actual[j]);
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
                assertRelClose(expected.mean(), got.mean(), MEAN_TOLERANCE);
                assertRelClose(expected.m2(), got.m2(), M2_TOLERANCE);
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
            assertRelClose(expected.mean(), r.moments().get("mlp3").mean(), MEAN_TOLERANCE);
            assertRelClose(expected.m2(), r.moments().get("mlp3").m2(), M2_TOLERANCE);
        }
    }

    @Test
    void instrumentationLeavesTheOriginalOutputsFirst() {
        ModelProto m = SyntheticModels.mlp(SyntheticModels.Style.RELU, 4, 6, 4, 1, true);
        ModelProto inst = Instrumenter.instrument(m, MlpBlockFinder.find(m));
        assertEquals("y", inst.getGraph().getOutput(0).getName());
        assertArrayEquals(new String[] {"y", "vbp.mlp0.mean", "vbp.mlp0.m2", "vbp.mlp0.size"},
                inst.getGraph().getOutputList().stream().map(ValueInfoProto::getName).toArray());
        assertEquals(m.getGraph().getInitializerCount() + 4 + 1, inst.getGraph().getInitializerCount(), "shared + per block");
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
            Moments x = big.get(b.name());
            Moments y = small.get(b.name());
            assertEquals(x.count(), y.count());
            assertRelClose(x.mean(), y.mean(), 1e-12);
            assertRelClose(x.m2(), y.m2(), 1e-12);
        }
    }
}
