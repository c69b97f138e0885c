package io.vbpstream.core.prune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vbpstream.core.cost.BlockCost;
import io.vbpstream.core.cost.ModelCost;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What a pruning did, per block and in total: widths, parameters and MACs before and after. */
public record PruningReport(
        String parentSha256,
        String sha256,
        String criterion,
        String allocation,
        String compensation,
        String target,
        long samples,
        double removedFraction,
        Totals before,
        Totals after,
        double macsReduction,
        double paramsReduction,
        List<BlockReport> blocks) {

    public record Totals(long macs, long params, long mlpMacs, long mlpParams) {
        static Totals of(ModelCost c) {
            return new Totals(c.macs(), c.params(), c.mlpMacs(), c.mlpParams());
        }
    }

    public record BlockReport(String block, int width, int keptWidth, double removedFraction, long macsBefore,
                              long macsAfter, long paramsBefore, long paramsAfter) {
    }

    public static PruningReport of(String parentSha256, String sha256, PruningPolicy policy, long samples,
                                   PruningPlan plan, ModelCost before, ModelCost after) {
        List<BlockReport> rows = new ArrayList<>();
        for (int i = 0; i < before.blocks().size(); i++) {
            BlockCost b = before.blocks().get(i);
            BlockCost a = after.blocks().get(i);
            rows.add(new BlockReport(b.block(), b.width(), a.width(), 1.0 - (double) a.width() / b.width(),
                    b.macs(), a.macs(), b.params(), a.params()));
        }
        String target = policy.target() instanceof PruningTarget.NeuronRatio r ? "ratio=" + r.ratio()
                : "macs-reduction=" + ((PruningTarget.MacsReduction) policy.target()).fraction();
        return new PruningReport(parentSha256, sha256, policy.criterion().id(), policy.allocation().id(),
                policy.compensation().id(), target, samples, plan.removedFraction(), Totals.of(before), Totals.of(after),
                after.macsReductionFrom(before), after.paramsReductionFrom(before), rows);
    }

    public void write(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(path.toFile(), this);
    }
}
