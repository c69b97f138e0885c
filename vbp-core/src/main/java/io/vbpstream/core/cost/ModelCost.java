package io.vbpstream.core.cost;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Parameters and MACs of a whole model at batch 1 (MatMul, Gemm, Conv and attention matmuls), with the share of each
 * MLP block.
 */
public record ModelCost(long macs, long params, List<BlockCost> blocks) {

    public long mlpMacs() {
        return blocks.stream().mapToLong(BlockCost::macs).sum();
    }

    public long mlpParams() {
        return blocks.stream().mapToLong(BlockCost::params).sum();
    }

    public Map<String, BlockCost> byBlock() {
        return blocks.stream().collect(Collectors.toMap(BlockCost::block, Function.identity()));
    }

    /** The cost after giving each named block a new width (blocks not named keep theirs). */
    public ModelCost withWidths(Map<String, Integer> widths) {
        long macs = this.macs;
        long params = this.params;
        List<BlockCost> updated = blocks.stream()
                .map(b -> widths.containsKey(b.block()) ? b.withWidth(widths.get(b.block())) : b)
                .toList();
        for (int i = 0; i < blocks.size(); i++) {
            macs -= blocks.get(i).macs() - updated.get(i).macs();
            params -= blocks.get(i).params() - updated.get(i).params();
        }
        return new ModelCost(macs, params, updated);
    }

    /** {@code 1 - this / original} for MACs. */
    public double macsReductionFrom(ModelCost original) {
        return 1.0 - (double) macs / original.macs;
    }

    public double paramsReductionFrom(ModelCost original) {
        return 1.0 - (double) params / original.params;
    }
}
