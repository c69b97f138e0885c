package io.vbpstream.pruner.prune;

import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.prune.Compensation;
import io.vbpstream.core.prune.Pruning;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.prune.PruningTarget;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.ModelStatistics;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.platform.MomentsKey;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.pruner.follow.CoMomentsView;
import io.vbpstream.pruner.follow.StatisticsView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One pruning step's candidate: the parent's statistics (and, for least squares, its covariance) gathered from the
 * views, the plan, slicing and folding ({@link Pruning#run}), the artifact stored with the statistics file and the
 * report beside it, and the {@code CANDIDATE} record that names them. The statistics file is what {@code vbp prune}
 * reproduces the artifact from, bit for bit.
 */
@ApplicationScoped
public class CandidateBuilder {

    @Inject
    StatisticsView statistics;

    @Inject
    CoMomentsView coMoments;

    @Inject
    VersionModels models;

    /** Plans, slices and folds, stores the artifact with its statistics and report: the CANDIDATE record. */
    ModelVersion build(ModelVersion parent, PruningPolicy policy, Map<String, CoMoments> covariance) {
        VersionModel pm = models.load(parent);
        Map<String, Moments> stats = statistics.blocks(parent.model(), parent.version());
        for (String b : pm.blockNames()) {
            if (!stats.containsKey(b)) {
                throw new IllegalStateException("no statistics yet for block " + b + " of " + parent.key());
            }
        }
        refuseEmptyingBlocks(pm, policy);
        ModelStatistics ms = toStatistics(pm, stats);
        if (policy.compensation() == Compensation.LEAST_SQUARES) {
            for (String b : pm.blockNames()) {
                // the convergence snapshot's matrix (what convergence judged), else the view's latest
                CoMoments c = covariance == null ? null : covariance.get(b);
                if (c == null) {
                    c = coMoments.block(new MomentsKey(parent.model(), parent.version(), b));
                }
                if (c == null) {
                    throw new IllegalStateException("no co-moments yet for block " + b + " of " + parent.key()
                            + " (least-squares compensation needs the collectors' vbp.collector.covariance.enabled)");
                }
                ms.putCoMoments(b, c);
            }
        }
        Pruning.Result r = Pruning.run(pm.model(), parent.sha256(), ms, policy, pm.cost());
        ArtifactRef ref = storeArtifact(r, ms);
        String now = Instant.now().toString();
        Map<String, Long> samples = new LinkedHashMap<>();
        stats.forEach((b, m) -> samples.put(b, m.count()));
        long baseMacs = parent.pruning() == null ? r.report().before().macs() : parent.pruning().baseMacs();
        ModelVersion.Pruning pruning = new ModelVersion.Pruning(describe(policy), samples, r.plan().keptWidths(),
                r.report().after().macs(), r.report().after().params(), baseMacs, r.report().macsReduction(),
                r.report().paramsReduction());
        int generation = parent.generation() + 1;
        String name = "g" + generation + "-" + ref.sha256().substring(0, 12);
        return new ModelVersion(ModelVersion.SCHEMA, parent.model(), name, ref.uri().toString(),
                ref.sha256(), parent.version(), generation, now, ModelVersion.Status.CANDIDATE, pruning, null, now, null);
    }

    /**
     * vbp-core keeps at least one neuron per block whatever the policy says; a request that asks to remove every neuron
     * of a block is refused here rather than quietly changed.
     */
    private static void refuseEmptyingBlocks(VersionModel pm, PruningPolicy policy) {
        if (policy.target() instanceof PruningTarget.NeuronRatio r) {
            for (var b : pm.blocks()) {
                if (Math.round(r.ratio() * b.width()) >= b.width() && policy.minKeepFraction() == 0) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "ratio %s would empty block %s "
                            + "(all %d neurons): lower the ratio or keep a minKeepFraction above 0", r.ratio(), b.name(), b.width()));
                }
            }
        }
    }

    private ArtifactRef storeArtifact(Pruning.Result r, ModelStatistics ms) {
        try {
            Path tmp = Files.createTempFile("vbp-pruned-", ".onnx");
            try {
                OnnxModels.write(r.model(), tmp);
                ArtifactRef ref = models.store().put(tmp);
                ms.write(models.store().statisticsFile(ref.sha256()));
                r.report().write(models.store().reportFile(ref.sha256()));
                return ref;
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the pruned model: " + e.getMessage(), e);
        }
    }

    static ModelStatistics toStatistics(VersionModel parent, Map<String, Moments> stats) {
        ModelStatistics ms = new ModelStatistics(parent.version().sha256());
        long min = Long.MAX_VALUE;
        for (Map.Entry<String, Moments> e : stats.entrySet()) {
            ms.block(e.getKey(), e.getValue().width()).merge(e.getValue());
            min = Math.min(min, e.getValue().count());
        }
        ms.addImages(stats.isEmpty() ? 0 : min / Math.max(1, parent.tokens()));
        return ms;
    }

    static String describe(PruningPolicy p) {
        String target = p.target() instanceof PruningTarget.NeuronRatio r ? "ratio=" + r.ratio()
                : "macs-reduction=" + ((PruningTarget.MacsReduction) p.target()).fraction();
        return p.criterion().id() + "," + p.allocation().id() + "," + target + ",compensation=" + p.compensation().id()
                + (p.compensation() == Compensation.LEAST_SQUARES ? ",ridge-alpha=" + p.ridge() : "")
                + ",min-keep=" + p.minKeepFraction() + ",width-multiple=" + p.widthMultiple();
    }
}
