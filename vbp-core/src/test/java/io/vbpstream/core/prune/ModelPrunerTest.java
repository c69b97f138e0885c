package io.vbpstream.core.prune;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.vbpstream.core.TestSupport;
import io.vbpstream.core.cost.CostModel;
import io.vbpstream.core.cost.ModelCost;
import io.vbpstream.core.data.ImageSet;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.onnx.SyntheticModels;
import io.vbpstream.core.onnx.Tensors;
import io.vbpstream.core.runtime.Batches;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.core.stats.ModelStatistics;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelPrunerTest {

    private static ModelProto vit;
    private static List<MlpBlock> vitBlocks;
    private static float[] calibration;
    private static long[] calibrationShape;
    private static float[] heldOut;
    private static long[] heldOutShape;

    @BeforeAll
    static void loadViT() throws IOException {
        vit = TestSupport.model(TestSupport.fmnistModel());
        vitBlocks = MlpBlockFinder.find(vit);
        Preprocessor pre = new Preprocessor(ModelCard.besideModel(TestSupport.fmnistModel()).input());
        Batches b = new Batches(ImageSet.open(TestSupport.testImages(), null, 384), pre, 128);
        calibration = b.load(0).clone();
        calibrationShape = b.shape(0);
        heldOut = b.load(2).clone();
        heldOutShape = b.shape(2);
    }

    private static float[] run(ModelProto m, float[] x, long[] shape) {
        return PruneTestSupport.run(m, x, shape);
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        return PruneTestSupport.maxAbsDiff(a, b);
    }

    @Test
    void ratioZeroIsBitIdentical() {
        ModelStatistics stats = PruneTestSupport.stats(vit, vitBlocks, calibration, calibrationShape);
        ModelProto pruned = PruneTestSupport.prune(vit, vitBlocks, stats, PruneTestSupport.ratio(Criterion.VARIANCE, 0, Compensation.MEAN));
        assertEquals(vit.getGraph(), pruned.getGraph(), "ratio 0 leaves the graph untouched");
        assertArrayEquals(run(vit, heldOut, heldOutShape), run(pruned, heldOut, heldOutShape));
        assertEquals("0.0", LineageMetadata.read(pruned).get("vbp.ratio"));
    }

    @Test
    void meanShiftIsExactForConstantNeuronsOfTheViT() {
        int[] constant = IntStream.range(0, 256).filter(j -> j % 5 == 1).toArray(); // 51 per block
        ModelProto parent = vit;
        for (MlpBlock b : vitBlocks) {
            parent = PruneTestSupport.zeroIncoming(parent, b, constant);
        }
        List<MlpBlock> blocks = MlpBlockFinder.find(parent);
        ModelStatistics stats = PruneTestSupport.stats(parent, blocks, calibration, calibrationShape);
        for (MlpBlock b : blocks) {
            double[] v = stats.get(b.name()).variance();
            double[] sorted = v.clone();
            Arrays.sort(sorted);
            double median = sorted[sorted.length / 2];
            for (int j : constant) {
                // float32 per-image sums leave rounding noise, far below any real neuron's variance
                assertTrue(v[j] < 1e-6 * median, "neuron " + j + " of " + b.name() + " should be constant: " + v[j]);
            }
        }
        double ratio = constant.length / 256.0;
        ModelProto shifted = PruneTestSupport.prune(parent, blocks, stats, PruneTestSupport.ratio(Criterion.VARIANCE, ratio, Compensation.MEAN));
        ModelProto dropped = PruneTestSupport.prune(parent, blocks, stats, PruneTestSupport.ratio(Criterion.VARIANCE, ratio, Compensation.NONE));
        for (MlpBlock b : MlpBlockFinder.find(shifted)) {
            assertEquals(256 - constant.length, b.width());
        }
        float[] expected = run(parent, heldOut, heldOutShape);
        double exact = maxAbsDiff(expected, run(shifted, heldOut, heldOutShape));
        double without = maxAbsDiff(expected, run(dropped, heldOut, heldOutShape));
        assertTrue(exact < 1e-5, "mean shift must reproduce the parent on unseen images, max diff " + exact);
        assertTrue(without > 1e-2, "without the shift the outputs must move (else this test proves nothing): " + without);
    }

    @ParameterizedTest
    @CsvSource({"mlp-gemm-relu.onnx", "mlp-gemm-silu.onnx"})
    void meanShiftIsExactForGemmBlocks(String fixture) {
        ModelProto m = TestSupport.model(TestSupport.fixture(fixture));
        checkConstantNeuronsExact(m, 20, 4);
    }

    @Test
    void meanShiftAddsABiasWhenFc2HasNone() {
        ModelProto m = SyntheticModels.mlp(SyntheticModels.Style.ERF_TORCH, 12, 32, 6, 9, false);
        ModelProto pruned = checkConstantNeuronsExact(m, 12, 6);
        assertTrue(pruned.getGraph().getNodeList().stream().anyMatch(n -> n.getName().endsWith("/vbp_add")));
        assertEquals("y", pruned.getGraph().getOutput(0).getName());
    }

    /** Zeroes the fc1 weights of every 4th neuron, prunes exactly those with and without the mean shift. */
    private static ModelProto checkConstantNeuronsExact(ModelProto m, int in, int tokens) {
        MlpBlock block = MlpBlockFinder.find(m).get(0);
        int[] constant = IntStream.range(0, block.width()).filter(j -> j % 4 == 0).toArray();
        ModelProto parent = PruneTestSupport.zeroIncoming(m, block, constant);
        List<MlpBlock> blocks = MlpBlockFinder.find(parent);
        boolean is2d = parent.getGraph().getInput(0).getType().getTensorType().getShape().getDimCount() == 2;
        long[] shape = is2d ? new long[] {64, in} : new long[] {16, tokens, in};
        long[] testShape = is2d ? new long[] {32, in} : new long[] {8, tokens, in};
        float[] x = SyntheticModels.random(new SplittableRandom(1), (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b), 2);
        float[] test = SyntheticModels.random(new SplittableRandom(2), (int) Arrays.stream(testShape).reduce(1, (a, b) -> a * b), 2);
        ModelStatistics stats = PruneTestSupport.stats(parent, blocks, x, shape);
        double ratio = (double) constant.length / block.width();
        ModelProto shifted = PruneTestSupport.prune(parent, blocks, stats, PruneTestSupport.ratio(Criterion.VARIANCE, ratio, Compensation.MEAN));
        ModelProto dropped = PruneTestSupport.prune(parent, blocks, stats, PruneTestSupport.ratio(Criterion.VARIANCE, ratio, Compensation.NONE));
        assertEquals(block.width() - constant.length, MlpBlockFinder.find(shifted).get(0).width());
        float[] expected = run(parent, test, testShape);
        assertTrue(maxAbsDiff(expected, run(shifted, test, testShape)) < 1e-5);
        assertTrue(maxAbsDiff(expected, run(dropped, test, testShape)) > 1e-3);
        return shifted;
    }

    @Test
    void prunedModelIsPhysicallySmallerAndRecordsItsLineage() throws IOException {
        ModelStatistics stats = PruneTestSupport.stats(vit, vitBlocks, calibration, calibrationShape);
        PruningPolicy policy = PruneTestSupport.ratio(Criterion.VARIANCE, 0.5, Compensation.MEAN);
        String parentSha = TestSupport.load(TestSupport.fmnistModel()).sha256();
        Pruning.Result r = Pruning.run(vit, parentSha, new ModelStatistics(parentSha).merge(rehome(stats, parentSha)), policy, null);
        ModelProto pruned = r.model();
        for (MlpBlock b : MlpBlockFinder.find(pruned)) {
            assertEquals(128, b.width());
            assertArrayEquals(new long[] {64, 128}, Tensors.dims(b.fc1().weight()));
            assertArrayEquals(new long[] {128}, Tensors.dims(b.fc1().bias()));
            assertArrayEquals(new long[] {128, 64}, Tensors.dims(b.fc2().weight()));
        }
        assertTrue(pruned.getSerializedSize() < 0.7 * vit.getSerializedSize());
        assertEquals(vit.getOpsetImportList(), pruned.getOpsetImportList());
        assertEquals(vit.getGraph().getNodeCount(), pruned.getGraph().getNodeCount());
        Map<String, String> meta = LineageMetadata.read(pruned);
        assertEquals(parentSha, meta.get("vbp.parent_sha256"));
        assertEquals("variance", meta.get("vbp.criterion"));
        assertEquals("mean", meta.get("vbp.compensation"));
        assertEquals("0.5", meta.get("vbp.ratio"));
        assertEquals("128", meta.get("vbp.samples"));
        assertEquals("1", meta.get("vbp.generation"));
        assertTrue(meta.get("vbp.kept_widths").contains("\"mlp5\":128"));
        assertEquals(OnnxModels.sha256(pruned), r.report().sha256());

        // the cost model measured on the pruned graph agrees with the report's arithmetic
        ModelCost measured = CostModel.analyse(pruned, MlpBlockFinder.find(pruned), Map.of());
        assertEquals(r.report().after().macs(), measured.macs());
        assertEquals(r.report().after().params(), measured.params());
        assertTrue(r.report().macsReduction() > 0.25 && r.report().macsReduction() < 0.35);

        // pruning the pruned model chains the lineage
        String childSha = OnnxModels.sha256(pruned);
        ModelProto grandchild = Pruning.run(pruned, childSha, null,
                PruneTestSupport.ratio(Criterion.MAGNITUDE, 0.25, Compensation.NONE), null).model();
        assertEquals("2", LineageMetadata.read(grandchild).get("vbp.generation"));
        assertEquals(childSha, LineageMetadata.read(grandchild).get("vbp.parent_sha256"));
        assertEquals(96, MlpBlockFinder.find(grandchild).get(0).width());
    }

    private static ModelStatistics rehome(ModelStatistics s, String sha) {
        ModelStatistics out = new ModelStatistics(sha);
        out.addImages(s.images());
        s.blocks().forEach((k, v) -> out.block(k, v.width()).merge(v));
        return out;
    }

    /** Runs the two-input BERT fixture on fixed token ids and returns its pooled output. */
    private static float[] runBert(ModelProto m) throws Exception {
        var env = io.vbpstream.core.runtime.OrtEnv.get();
        long[][] ids = {{1, 5, 9, 33, 2, 0, 0}, {1, 7, 7, 64, 12, 80, 2}};
        long[][] mask = {{1, 1, 1, 1, 1, 0, 0}, {1, 1, 1, 1, 1, 1, 1}};
        try (var opts = io.vbpstream.core.runtime.OrtEnv.sessionOptions();
             var session = env.createSession(m.toByteArray(), opts);
             var a = ai.onnxruntime.OnnxTensor.createTensor(env, ids);
             var b = ai.onnxruntime.OnnxTensor.createTensor(env, mask);
             var r = session.run(Map.of("input_ids", a, "attention_mask", b))) {
            float[][] out = (float[][]) r.get(0).getValue();
            float[] flat = new float[out.length * out[0].length];
            for (int i = 0; i < out.length; i++) {
                System.arraycopy(out[i], 0, flat, i * out[0].length, out[0].length);
            }
            return flat;
        }
    }

    @Test
    void bertStyleExportPrunesAndStillRuns() throws Exception {
        ModelProto bert = TestSupport.model(TestSupport.fixture("bert-tiny.onnx"));
        List<MlpBlock> blocks = MlpBlockFinder.find(bert);
        ModelProto same = Pruning.run(bert, "b", null, PruneTestSupport.ratio(Criterion.MAGNITUDE, 0, Compensation.NONE), null).model();
        assertArrayEquals(runBert(bert), runBert(same));
        ModelProto half = Pruning.run(bert, "b", null, PruneTestSupport.ratio(Criterion.MAGNITUDE, 0.5, Compensation.NONE), null).model();
        MlpBlockFinder.find(half).forEach(b -> assertEquals(64, b.width()));
        float[] out = runBert(half);
        assertEquals(2 * 32, out.length);
        assertTrue(maxAbsDiff(runBert(bert), out) > 0, "pruning half the neurons changes the output");
        assertTrue(half.getSerializedSize() < bert.getSerializedSize());
        assertEquals(blocks.size(), MlpBlockFinder.find(half).size());
    }

    @Test
    void sharedInitializersAreCopiedNotEditedInPlace() {
        // expose fc1.bias through Identity as a second output: the pruner must leave that reader intact
        ModelProto m = SyntheticModels.mlp(SyntheticModels.Style.RELU, 6, 10, 4, 5, true);
        ModelProto shared = m.toBuilder().setGraph(m.getGraph().toBuilder()
                .addNode(NodeProto.newBuilder().setOpType("Identity").addInput("fc1.bias").addOutput("bias_copy"))
                .addOutput(ValueInfoProto.newBuilder().setName("bias_copy").setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()))))).build();
        ModelProto pruned = Pruning.run(shared, "x", null, PruneTestSupport.ratio(Criterion.MAGNITUDE, 0.5, Compensation.NONE), null).model();
        MlpBlock b = MlpBlockFinder.find(pruned).get(0);
        assertEquals(5, b.width());
        assertNotEquals("fc1.bias", b.fc1().bias().getName());
        TensorProto original = pruned.getGraph().getInitializerList().stream()
                .filter(t -> t.getName().equals("fc1.bias")).findFirst().orElseThrow();
        assertEquals(10, Tensors.numel(original));
        float[] out = run(pruned, new float[2 * 3 * 6], new long[] {2, 3, 6});
        assertEquals(2 * 3 * 4, out.length);
    }

    @Test
    void refusesStatisticsFromAnotherModelAndPlansThatEmptyABlock() {
        ModelStatistics foreign = new ModelStatistics("not-this-model");
        assertThrows(IllegalArgumentException.class, () -> Pruning.run(vit, "sha-of-vit", foreign,
                PruneTestSupport.ratio(Criterion.VARIANCE, 0.5, Compensation.MEAN), null));
        assertThrows(IllegalArgumentException.class, () -> new PruningTarget.NeuronRatio(1.0));
        assertThrows(IllegalArgumentException.class, () -> new PruningTarget.NeuronRatio(-0.1));
        assertThrows(IllegalArgumentException.class, () -> new BlockPlan("b", 2, new int[0], new int[] {0, 1}));
        assertThrows(IllegalArgumentException.class, () -> new BlockPlan("b", 3, new int[] {0, 0}, new int[] {2}));
        assertThrows(IllegalArgumentException.class, () -> new BlockPlan("b", 3, new int[] {1, 0}, new int[] {2}));
        assertThrows(IllegalArgumentException.class, () -> new BlockPlan("b", 3, new int[] {0, 1}, new int[] {3}));
    }
}
