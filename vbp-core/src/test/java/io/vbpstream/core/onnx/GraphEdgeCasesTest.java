package io.vbpstream.core.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import io.vbpstream.core.TestSupport;
import io.vbpstream.core.prune.Allocation;
import io.vbpstream.core.prune.Compensation;
import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.prune.Pruning;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.prune.PruningTarget;
import io.vbpstream.core.runtime.ModelSession;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Graph shapes that are easy to get wrong: chained MLPs, shared weights behind Identity chains, Gemm with beta 0. */
class GraphEdgeCasesTest {

    private static final PruningPolicy HALF = PruningPolicy.of(Criterion.MAGNITUDE, Allocation.UNIFORM,
            new PruningTarget.NeuronRatio(0.5), Compensation.NONE);

    @Test
    void aLinearSharedByTwoCandidateBlocksBelongsToTheFirstOnly() {
        // x -> fc1 -> relu -> fc2 -> relu -> fc3: fc2 cannot be both block 0's fc2 and block 1's fc1
        ModelProto m = SyntheticModels.mlp(SyntheticModels.Style.RELU, 8, 16, 8, 1, true);
        GraphProto.Builder g = m.getGraph().toBuilder();
        g.addInitializer(Tensors.floatTensor("fc3.weight", new long[] {8, 4}, SyntheticModels.random(new SplittableRandom(2), 32, 1)));
        g.setOutput(0, g.getOutput(0).toBuilder().setName("z"));
        g.addNode(NodeProto.newBuilder().setOpType("Relu").addInput("y").addOutput("y_act"));
        g.addNode(NodeProto.newBuilder().setOpType("MatMul").addInput("y_act").addInput("fc3.weight").addOutput("z"));
        ModelProto chain = m.toBuilder().setGraph(g).build();
        List<MlpBlock> blocks = MlpBlockFinder.find(chain);
        assertEquals(1, blocks.size());
        assertEquals(16, blocks.get(0).width());
        ModelProto pruned = Pruning.run(chain, "c", null, HALF, null).model();
        try (ModelSession s = new ModelSession(pruned)) {
            assertEquals(2 * 3 * 4, s.firstOutput(new float[2 * 3 * 8], new long[] {2, 3, 8}).length);
        }
    }

    @Test
    void weightsSharedThroughAnIdentityChainAreNotEditedInPlace() {
        ModelProto m = SyntheticModels.mlp(SyntheticModels.Style.RELU, 6, 10, 6, 1, true);
        GraphProto.Builder g = m.getGraph().toBuilder();
        // route fc1.weight through two Identity nodes, and let a second MatMul read the same chain
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getOpType().equals("MatMul") && g.getNode(i).getInput(1).equals("fc1.weight")) {
                g.setNode(i, g.getNode(i).toBuilder().setInput(1, "w_id2"));
            }
        }
        g.addNode(0, NodeProto.newBuilder().setOpType("Identity").addInput("fc1.weight").addOutput("w_id1").build());
        g.addNode(1, NodeProto.newBuilder().setOpType("Identity").addInput("w_id1").addOutput("w_id2").build());
        g.addNode(NodeProto.newBuilder().setOpType("MatMul").addInput("x").addInput("w_id2").addOutput("side"));
        g.addOutput(g.getOutput(0).toBuilder().setName("side"));
        ModelProto shared = m.toBuilder().setGraph(g).build();
        assertTrue(new GraphIndex(shared.getGraph()).isShared("fc1.weight"));
        ModelProto pruned = Pruning.run(shared, "s", null, HALF, null).model();
        try (ModelSession s = new ModelSession(pruned)) {
            assertEquals(2 * 3 * 6, s.firstOutput(new float[2 * 3 * 6], new long[] {2, 3, 6}).length);
        }
        long originalWidth = pruned.getGraph().getInitializerList().stream().filter(t -> t.getName().equals("fc1.weight"))
                .findFirst().orElseThrow().getDims(1);
        assertEquals(10, originalWidth, "the side reader still sees the full weight");
    }

    @Test
    void gemmWithBetaZeroIgnoresItsBiasAndStaysFinite() {
        ModelProto m = TestSupport.model(TestSupport.fixture("mlp-gemm-relu.onnx"));
        MlpBlock block = MlpBlockFinder.find(m).get(0);
        GraphProto.Builder g = m.getGraph().toBuilder();
        NodeProto fc2 = g.getNode(block.fc2().nodeIndex());
        List<AttributeProto> others = fc2.getAttributeList().stream().filter(a -> !a.getName().equals("beta")).toList();
        g.setNode(block.fc2().nodeIndex(), fc2.toBuilder().clearAttribute().addAllAttribute(others).addAttribute(AttributeProto.newBuilder().setName("beta")
                .setType(AttributeProto.AttributeType.FLOAT).setF(0f)));
        ModelProto beta0 = m.toBuilder().setGraph(g).build();
        MlpBlock b = MlpBlockFinder.find(beta0).get(0);
        assertFalse(b.fc2().hasBias());
        assertNull(b.fc2().bias());
        var stats = new io.vbpstream.core.stats.ModelStatistics("g");
        double[] mean = new double[b.width()];
        java.util.Arrays.fill(mean, 0.25);
        stats.block(b.name(), b.width()).merge(io.vbpstream.core.stats.Moments.of(10, mean, new double[b.width()]));
        ModelProto pruned = Pruning.run(beta0, "g", stats, PruningPolicy.of(Criterion.MAGNITUDE, Allocation.UNIFORM,
                new PruningTarget.NeuronRatio(0.5), Compensation.MEAN), null).model();
        try (ModelSession s = new ModelSession(pruned)) {
            float[] out = s.firstOutput(new float[3 * 20], new long[] {3, 20});
            for (float v : out) {
                assertTrue(Float.isFinite(v));
            }
        }
    }
}
