package io.vbpstream.core.prune;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.cost.CostModel;
import io.vbpstream.core.cost.ModelCost;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.stats.ModelStatistics;

import java.util.List;
import java.util.Map;

/** The whole pruning step: find blocks, plan, slice and fold, and report the cost before and after. */
public final class Pruning {

    private Pruning() {
    }

    /** A pruned model with its plan and report. */
    public record Result(ModelProto model, PruningPlan plan, PruningReport report) {
    }

    /**
     * @param cost  the parent's cost, or null to measure it here
     * @param stats activation statistics (required for variance criteria and mean shift)
     */
    public static Result run(ModelProto parent, String parentSha256, ModelStatistics stats, PruningPolicy policy, ModelCost cost) {
        List<MlpBlock> blocks = MlpBlockFinder.find(parent);
        if (stats != null && !stats.modelSha256().isEmpty() && !stats.modelSha256().equals(parentSha256)) {
            throw new IllegalArgumentException("statistics were gathered on model " + stats.modelSha256()
                    + ", not on this model (" + parentSha256 + ")");
        }
        ModelCost before = cost != null ? cost : CostModel.analyse(parent, blocks, Map.of());
        PruningPlan plan = new PlanBuilder(blocks, stats, policy).build(before);
        long samples = stats == null ? 0 : stats.images();
        ModelProto pruned = ModelPruner.prune(parent, blocks, plan, stats, policy.compensation(), policy.ridge(),
                new LineageMetadata.Lineage(parentSha256, policy, samples));
        ModelCost after = before.withWidths(plan.keptWidths());
        String sha = OnnxModels.sha256(pruned);
        return new Result(pruned, plan, PruningReport.of(parentSha256, sha, policy, samples, plan, before, after));
    }
}
