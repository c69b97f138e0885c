package io.vbpstream.pruner.prune;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.cost.ModelCost;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.platform.message.ModelVersion;

import java.util.List;

/** A version's model read from the store and verified, with its blocks and measured cost. */
public record VersionModel(ModelVersion version, ModelProto model, List<MlpBlock> blocks, ModelCost cost) {

    public List<String> blockNames() {
        return blocks.stream().map(MlpBlock::name).toList();
    }

    /** Tokens per image in block {@code b} (from the cost model's shapes). */
    public long tokens() {
        return cost.blocks().isEmpty() ? 1 : cost.blocks().get(0).tokens();
    }
}
