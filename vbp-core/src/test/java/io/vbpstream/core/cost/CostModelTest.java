package io.vbpstream.core.cost;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.TestSupport;
import io.vbpstream.core.onnx.MlpBlockFinder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CostModelTest {

    @Test
    void countsEveryMatMulConvAndAttentionProductOfTheViT() {
        ModelProto vit = TestSupport.model(TestSupport.fmnistModel());
        ModelCost c = CostModel.analyse(vit, MlpBlockFinder.find(vit), Map.of());
        // by hand, at batch 1 with 50 tokens of width 64, 4 heads of 16:
        long patchEmbed = 49L * 64 * 16;             // Conv 4x4, 1 -> 64 channels
        long qkv = 50L * 64 * 192;
        long scores = 4L * 50 * 50 * 16;             // q @ k^T
        long context = 4L * 50 * 50 * 16;            // attn @ v
        long proj = 50L * 64 * 64;
        long mlp = 2L * 50 * 64 * 256;
        long head = 64L * 10;
        assertEquals(patchEmbed + 6 * (qkv + scores + context + proj + mlp) + head, c.macs());
        assertEquals(6, c.blocks().size());
        for (BlockCost b : c.blocks()) {
            assertEquals(50, b.tokens());
            assertEquals(mlp, b.macs());
            assertEquals(64L * 256 + 256 + 256L * 64 + 64, b.params());
            assertEquals(50L * 128, b.macsPerNeuron());
        }
        // parameters: every float initializer of the model
        long params = vit.getGraph().getInitializerList().stream()
                .filter(t -> t.getDataType() == 1).mapToLong(io.vbpstream.core.onnx.Tensors::numel).sum();
        assertEquals(params, c.params());
    }

    @Test
    void namedDynamicDimensionsSetTheSequenceLength() {
        ModelProto bert = TestSupport.model(TestSupport.fixture("bert-tiny.onnx"));
        ModelCost c16 = CostModel.analyse(bert, MlpBlockFinder.find(bert), Map.of("sequence", 16L));
        ModelCost c32 = CostModel.analyse(bert, MlpBlockFinder.find(bert), Map.of("sequence", 32L));
        assertEquals(16, c16.blocks().get(0).tokens());
        assertEquals(2 * c16.blocks().get(0).macs(), c32.blocks().get(0).macs());
    }
}
