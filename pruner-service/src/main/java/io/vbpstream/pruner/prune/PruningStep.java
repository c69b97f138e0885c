package io.vbpstream.pruner.prune;

import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.runtime.UnusedHeap;
import io.vbpstream.core.prune.PruningPlan;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.prune.PlanBuilder;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.store.DirectoryModelStore;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.pruner.PrunerConfig;
import io.vbpstream.pruner.follow.CoMomentsView;
import io.vbpstream.pruner.observe.PrunerMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One pruning step of a promoted version, on one worker thread: the candidate built ({@link CandidateBuilder}: the
 * artifact, its statistics and report stored beside it, {@code statistics/<sha256>.vbps} and
 * {@code reports/<sha256>.json}) and published, the gate run on it ({@link CandidateGate}), the verdict published;
 * which candidates are being judged or settled, and orphaned candidates settled. Also the next step's policy on the
 * way to the final target, and the plan convergence compares.
 */
@ApplicationScoped
public class PruningStep {

    private static final Logger LOG = Logger.getLogger(PruningStep.class);

    @Inject
    PrunerConfig config;

    @Inject
    CoMomentsView coMoments;

    @Inject
    VersionModels models;

    @Inject
    VersionPublisher publisher;

    @Inject
    io.vbpstream.pruner.follow.VersionRegistry registry;

    @Inject
    PrunerMetrics metrics;

    @Inject
    CandidateBuilder candidates;

    @Inject
    CandidateGate candidateGate;

    @jakarta.annotation.PostConstruct
    void init() {
        LOG.info(UnusedHeap.configure());
    }

    /**
     * The policy of the next continuous-recompression step from {@code parent}, or empty once the final target is
     * reached ({@link RecompressionSchedule#nextStep}).
     */
    public Optional<PruningPolicy> nextStep(ModelVersion parent, VersionModel parentModel) {
        return RecompressionSchedule.nextStep(config.policy(), parent, parentModel.cost().macs());
    }

    /**
     * The plan whose kept sets convergence follows for {@code policy}, from {@code stats} (convergence snapshots). A
     * score criterion's own plan; for {@link Criterion#RECONSTRUCTION}, whose order is computed from the covariance
     * at prune time, the variance criterion's plan on the same moments: its kept sets settling says the moments have,
     * and the covariance has its own convergence check.
     */
    public PruningPlan plan(VersionModel parent, Map<String, Moments> stats, PruningPolicy policy) {
        return new PlanBuilder(parent.blocks(), CandidateBuilder.toStatistics(parent, stats),
                RecompressionSchedule.convergencePolicy(policy))
                .build(parent.cost());
    }

    /**
     * Prunes {@code parent} with {@code policy}, validates and publishes. Throws {@link IllegalArgumentException} for a
     * policy that cannot be applied (it would empty a block, say) and {@link IllegalStateException} when there are no
     * statistics for every block yet.
     */
    public ModelVersion prune(ModelVersion parent, PruningPolicy policy) {
        return prune(parent, policy, null);
    }

    /**
     * As {@link #prune(ModelVersion, PruningPolicy)}, with least squares folded from {@code covariance} (the
     * convergence snapshot's matrices) when it covers every block, else from the tiles assembled now.
     */
    public ModelVersion prune(ModelVersion parent, PruningPolicy policy, Map<String, CoMoments> covariance) {
        return worker.call(() -> pruneHere(parent, policy, covariance));
    }

    private final LargeStackWorker worker = new LargeStackWorker("vbp-prune-worker");
    /** Candidates this process has published and not yet given a verdict. */
    private final java.util.Set<String> gating = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Candidates this process has published a verdict for (a few per model, for the life of the process). */
    private final java.util.Set<String> settled = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /**
     * Per parent, the child this process published that is still live (a candidate, or promoted): read before the
     * follower has read the records back, so two prunes of one parent in a row cannot both publish.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, String> liveChildren = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Takes no more prunes and waits for a running one (its validation gate runs ONNX Runtime) to end, up to
     * {@code timeout}; false if it is still running.
     */
    public boolean stop(java.time.Duration timeout) {
        return worker.stop(timeout);
    }

    private ModelVersion pruneHere(ModelVersion parent, PruningPolicy policy, Map<String, CoMoments> covariance) {
        String live = liveChildren.get(parent.key());
        if (live != null && registry.get(parent.model(), live.substring(live.indexOf('/') + 1))
                .map(c -> c.status() == ModelVersion.Status.CANDIDATE || c.status() == ModelVersion.Status.PROMOTED)
                .orElse(true)) {
            throw new IllegalStateException(parent.key() + " already has a live child, " + live
                    + ": reject or roll it back first");
        }
        long t0 = System.nanoTime();
        // the pruned model and the statistics (a DeiT-Base covariance is 453 MB) are garbage once the artifact is stored
        ModelVersion candidate = candidates.build(parent, policy, covariance);
        // before the gate's sessions: the pruned model and the least-squares work are garbage now
        LOG.infof("after the prune: %s", UnusedHeap.release());
        gating.add(candidate.key());
        try {
            publisher.publish(candidate);
            liveChildren.put(parent.key(), candidate.key());
            return gate(parent, candidate, (System.nanoTime() - t0) / 1e9);
        } finally {
            gating.remove(candidate.key());
        }
    }

    /** Runs the gate on a published candidate and publishes its verdict. */
    private ModelVersion gate(ModelVersion parent, ModelVersion candidate, double pruneSeconds) {
        long t1 = System.nanoTime();
        ModelVersion.Validation v = candidateGate.validate(parent, candidate);
        double validateSeconds = (System.nanoTime() - t1) / 1e9;
        ModelVersion verdict = verdict(parent, candidate, v);
        LOG.info(String.format(Locale.ROOT, "%s: %s (MACs -%.1f%% from %s, agreement %.4f on %d images%s); prune %.2f s, validate %.2f s",
                verdict.key(), verdict.status(), 100 * candidate.pruning().macsReduction(), parent.version(), v.agreement(),
                v.images(), v.reason() == null ? "" : ", " + v.reason(), pruneSeconds, validateSeconds));
        metrics.published(verdict, pruneSeconds, validateSeconds);
        return verdict;
    }

    private ModelVersion verdict(ModelVersion parent, ModelVersion candidate, ModelVersion.Validation v) {
        ModelVersion.Status status = v.reason() == null ? ModelVersion.Status.PROMOTED : ModelVersion.Status.REJECTED;
        // a version at the final target is never pruned from: the collectors serving it compute no co-moments
        Boolean covariance = status == ModelVersion.Status.PROMOTED
                ? RecompressionSchedule.nextStep(config.policy(), candidate, candidate.pruning().macs()).isPresent() : null;
        ModelVersion verdict = new ModelVersion(ModelVersion.SCHEMA, candidate.model(), candidate.version(), candidate.uri(),
                candidate.sha256(), candidate.parentVersion(), candidate.generation(), candidate.createdAt(), status,
                candidate.pruning(), v, Instant.now().toString(), covariance);
        publisher.publish(verdict);
        settled.add(candidate.key());
        if (status != ModelVersion.Status.PROMOTED) {
            liveChildren.remove(parent.key(), candidate.key());
        }
        return verdict;
    }

    /** True while this process has a published candidate without its verdict. */
    public boolean validating() {
        return !gating.isEmpty();
    }

    /**
     * True while this process is validating {@code candidate}, or once it has published its verdict (which the
     * follower may not have read back yet): only a candidate for which neither holds is an orphan.
     */
    public boolean handled(ModelVersion candidate) {
        return gating.contains(candidate.key()) || settled.contains(candidate.key());
    }

    /**
     * Settles a candidate that has no verdict and that no prune of this process is validating (its pruner died, was
     * stopped or ran out of memory between the CANDIDATE record and the verdict): when its parent is still the
     * served version and its artifact is in the store, the gate runs again on it; otherwise it is REJECTED with the
     * reason. Returns the verdict.
     */
    public ModelVersion settleOrphan(ModelVersion candidate, ModelVersion served) {
        return worker.call(() -> {
            if (handled(candidate)) {
                throw new IllegalStateException(candidate.key() + " is being validated or has its verdict");
            }
            String why = null;
            if (!served.version().equals(candidate.parentVersion())) {
                why = "orphaned candidate: its parent " + candidate.parentVersion() + " is no longer the served version ("
                        + served.version() + ")";
            } else if (!Files.isRegularFile(artifactPath(candidate))) {
                why = "orphaned candidate: its artifact " + artifactPath(candidate) + " is not in the store";
            }
            gating.add(candidate.key());
            try {
                if (why != null) {
                    LOG.warnf("%s: %s", candidate.key(), why);
                    metrics.orphanSettled("rejected");
                    return verdict(served, candidate, new ModelVersion.Validation(0, 0, -1, -1, 0, java.util.List.of(), why));
                }
                LOG.warnf("%s has no verdict and no gate is running on it (its pruner stopped mid-gate): validating it again",
                        candidate.key());
                liveChildren.put(served.key(), candidate.key());
                metrics.orphanSettled("resumed");
                return gate(served, candidate, 0);
            } finally {
                gating.remove(candidate.key());
            }
        });
    }

    /** True if every block of {@code version} has a co-moment matrix (least squares can be used). */
    public boolean hasCoMoments(ModelVersion version) {
        Map<String, Long> cm = coMoments.counts(version.model(), version.version());
        return models.load(version).blockNames().stream().allMatch(cm::containsKey);
    }

    /** The store of artifacts, with the statistics and report files kept beside them. */
    public DirectoryModelStore store() {
        return models.store();
    }

    private Path artifactPath(ModelVersion v) {
        return models.store().artifactFile(v.sha256());
    }
}
