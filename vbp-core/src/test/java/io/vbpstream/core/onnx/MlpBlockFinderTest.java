package io.vbpstream.core.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MlpBlockFinderTest {

    @Test
    void findsTheSixBlocksOfTheReferenceViT() {
        List<MlpBlock> blocks = MlpBlockFinder.find(TestSupport.model(TestSupport.fmnistModel()));
        assertEquals(6, blocks.size());
        for (int i = 0; i < 6; i++) {
            MlpBlock b = blocks.get(i);
            assertEquals("mlp" + i, b.name());
            assertEquals(ActivationKind.GELU_ERF, b.activation());
            assertEquals(64, b.inFeatures());
            assertEquals(256, b.width());
            assertEquals(64, b.outFeatures());
            assertTrue(b.fc1().hasBias() && b.fc2().hasBias());
            assertEquals("blocks." + i + ".mlp.fc1.bias", b.source());
            assertEquals(5, b.activationNodes().size(), "Div, Erf, Add, Mul, Mul");
        }
    }

    @Test
    void findsBertStyleBlocksBuiltFromConstantNodes() {
        ModelProto bert = TestSupport.model(TestSupport.fixture("bert-tiny.onnx"));
        assertTrue(bert.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("Constant")),
                "the fixture should use Constant nodes like HuggingFace opset-11 exports");
        List<MlpBlock> blocks = MlpBlockFinder.find(bert);
        assertEquals(2, blocks.size());
        blocks.forEach(b -> {
            assertEquals(ActivationKind.GELU_ERF, b.activation());
            assertEquals(128, b.width());
            assertEquals(32, b.inFeatures());
        });
        assertEquals("layers.1.intermediate.bias", blocks.get(1).source());
    }

    @Test
    void findsTanhGeluBert() {
        List<MlpBlock> blocks = MlpBlockFinder.find(TestSupport.model(TestSupport.fixture("bert-tiny-tanh.onnx")));
        assertEquals(2, blocks.size());
        assertEquals(ActivationKind.GELU_TANH, blocks.get(0).activation());
    }

    @Test
    void findsGemmBlocksWithReluAndSilu() {
        for (Map.Entry<String, ActivationKind> e : Map.of("mlp-gemm-relu.onnx", ActivationKind.RELU,
                "mlp-gemm-silu.onnx", ActivationKind.SILU).entrySet()) {
            List<MlpBlock> blocks = MlpBlockFinder.find(TestSupport.model(TestSupport.fixture(e.getKey())));
            assertEquals(1, blocks.size(), e.getKey());
            MlpBlock b = blocks.get(0);
            assertEquals(e.getValue(), b.activation(), e.getKey());
            assertTrue(b.fc1().outFeaturesFirst(), "torch exports 2-D Linear as Gemm with transB=1");
            assertEquals(48, b.width());
            assertEquals(20, b.inFeatures());
        }
    }

    @ParameterizedTest
    @EnumSource(SyntheticModels.Style.class)
    void recognisesEveryActivationStyle(SyntheticModels.Style style) {
        List<MlpBlock> blocks = MlpBlockFinder.find(SyntheticModels.mlp(style, 8, 16, 8, 1, true));
        assertEquals(1, blocks.size());
        MlpBlock b = blocks.get(0);
        assertEquals("h", b.hidden());
        assertEquals(16, b.width());
        ActivationKind expected = switch (style) {
            case ERF_TORCH, ERF_CONSTANTS_FIRST, ERF_CONSTANT_NODES -> ActivationKind.GELU_ERF;
            case TANH -> ActivationKind.GELU_TANH;
            case GELU_OP -> ActivationKind.GELU;
            case RELU -> ActivationKind.RELU;
            case SILU -> ActivationKind.SILU;
        };
        assertEquals(expected, b.activation());
    }

    @Test
    void fc2WithoutBiasIsStillABlock() {
        MlpBlock b = MlpBlockFinder.find(SyntheticModels.mlp(SyntheticModels.Style.RELU, 4, 6, 3, 1, false)).get(0);
        assertFalse(b.fc2().hasBias());
        assertEquals("y", b.fc2().output());
    }

    @Test
    void modelWithoutBlocksGetsAnErrorListingWhatWasFound() {
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> MlpBlockFinder.find(TestSupport.model(TestSupport.fixture("no-mlp.onnx"))));
        assertTrue(e.getMessage().contains("no Linear -> activation -> Linear"), e.getMessage());
        assertTrue(e.getMessage().contains("Gemm=1") && e.getMessage().contains("Softmax=1"), e.getMessage());
    }

    @Test
    void aResidualBetweenTheLayersIsNotAnMlpBlock() {
        // y = fc2(relu(fc1(x)) + x) mixes neurons with the input: not element-wise, so not prunable as a block
        ModelProto m = SyntheticModels.mlp(SyntheticModels.Style.RELU, 8, 8, 8, 1, true);
        var g = m.getGraph().toBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getOutput(0).equals("h")) {
                g.setNode(i, g.getNode(i).toBuilder().setOutput(0, "h0"));
                g.addNode(i + 1, ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Add").addInput("h0").addInput("x")
                        .addOutput("h").build());
                break;
            }
        }
        assertTrue(MlpBlockFinder.findAll(m.toBuilder().setGraph(g).build()).isEmpty());
    }
}
