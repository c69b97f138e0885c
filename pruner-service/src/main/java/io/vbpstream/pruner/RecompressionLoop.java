package io.vbpstream.pruner;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.vbpstream.core.linalg.DenseKernels;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.runtime.OrtShutdown;
import io.vbpstream.core.prune.Compensation;
import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.platform.KafkaCredentialsCheck;
import io.vbpstream.platform.MomentsKey;
import io.vbpstream.platform.VitalThreads;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.pruner.convergence.ConvergenceTracker;
import io.vbpstream.pruner.follow.TopicFollowers;
import io.vbpstream.pruner.follow.CoMomentsView;
import io.vbpstream.pruner.follow.StatisticsView;
import io.vbpstream.pruner.follow.VersionRegistry;
import io.vbpstream.pruner.observe.PrunerMetrics;
import io.vbpstream.pruner.prune.PruningStep;
import io.vbpstream.pruner.prune.RecompressionSchedule;
import io.vbpstream.pruner.prune.VersionModel;
import io.vbpstream.pruner.prune.VersionModels;
import io.vbpstream.pruner.prune.VersionPublisher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Follows {@code model-versions}, {@code layer-statistics} and {@code layer-comoments}; every {@code check-interval} it updates the
 * convergence of the promoted version and, when it is ready and has not been pruned before, runs the next step of
 * continuous recompression. Publishes the base version if the topic has none for the model.
 */
@ApplicationScoped
public class RecompressionLoop {

    private static final Logger LOG = Logger.getLogger(RecompressionLoop.class);

    @Inject
    PrunerConfig config;

    @Inject
    VersionRegistry registry;

    @Inject
    StatisticsView statistics;

    @Inject
    CoMomentsView coMoments;

    @Inject
    VersionModels models;

    @Inject
    PruningStep step;

    @Inject
    PrunerMetrics metrics;

    @Inject
    VersionPublisher publisher;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    private ConvergenceTracker tracker;
    private TopicFollowers followers;
    private ScheduledExecutorService scheduler;
    private volatile ScheduledFuture<?> checks;
    private volatile ConvergenceTracker.Progress progress;
    private volatile String lastError;
    private volatile boolean stopping;

    void onStart(@Observes StartupEvent e) {
        String invalid = RecompressionSchedule.invalid(config.policy());
        if (invalid == null && config.policy().compensation() == Compensation.LEAST_SQUARES) {
            invalid = DenseKernels.settingProblem();
        }
        if (invalid != null) {
            LOG.error(invalid);
            Quarkus.asyncExit(KafkaCredentialsCheck.EXIT_CONFIG);
            return;
        }
        PrunerConfig.Convergence c = config.convergence();
        tracker = new ConvergenceTracker(c.nMin(), c.stability(), c.deltaN(), c.covarianceNMin(), c.covarianceTolerance(),
                RecompressionSchedule.criterion(config.policy()) == Criterion.RECONSTRUCTION);
        if (config.policy().compensation() == Compensation.LEAST_SQUARES) {
            // loaded here, not on the first prune: the natives are extracted once (about a second), and a fallback is said
            String why = DenseKernels.fallbackReason();
            LOG.infof("dense kernels for the reconstruction order and the least-squares fold: %s%s",
                    DenseKernels.best().name(), why.isEmpty() ? "" : " (" + why + ")");
        }
        followers = new TopicFollowers(kafka, registry, statistics, coMoments, metrics::bindKafkaClient);
        // a big stack: ONNX Runtime's graph work on DeiT-Base-sized models overflows a default thread stack
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(null, r, "vbp-pruner", 64L << 20));
        long ms = config.checkInterval().toMillis();
        checks = scheduler.scheduleWithFixedDelay(VitalThreads.guard("vbp-pruner", this::check), ms, ms, TimeUnit.MILLISECONDS);
        if (LaunchMode.current() == LaunchMode.NORMAL) {
            OrtShutdown.install(this::stopInference, () -> Quarkus.asyncExit(0));
        }
    }

    void onStop(@Observes ShutdownEvent e) {
        stopInference();
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (followers != null) {
            followers.close();
        }
    }

    /**
     * Stops the checks and waits for a running prune: its validation gate runs ONNX Runtime, which must not be
     * running when the JVM's shutdown hooks free ONNX Runtime's environment (see {@link OrtShutdown}).
     */
    private void stopInference() {
        stopping = true;
        if (scheduler != null) {
            scheduler.shutdown();
        }
        if (!step.stop(Duration.ofSeconds(30))) {
            LOG.warn("a prune is still validating after 30 s; stopping anyway");
        }
    }

    /** True once the three topics have been read to where they stood at start. */
    public boolean caughtUp() {
        return followers != null && followers.caughtUp();
    }

    /**
     * Why the pruner can no longer do its job, or empty: a follower thread has ended (an {@link Error} kills it; it
     * never ends otherwise while running) or the periodic checks have stopped (an {@link Error} cancels them).
     */
    public Map<String, String> stalled() {
        Map<String, String> out = new TreeMap<>(VitalThreads.failures());
        if (stopping) {
            return out;
        }
        if (followers != null) {
            followers.addEnded(out);
        }
        ScheduledFuture<?> c = checks;
        if (c != null && c.isDone()) {
            out.putIfAbsent("vbp-pruner", "the periodic checks have stopped");
        }
        return out;
    }

    public ConvergenceTracker.Progress progress() {
        return progress;
    }

    public String lastError() {
        return lastError;
    }

    private void check() {
        try {
            if (!caughtUp()) {
                return;
            }
            String model = config.model().id();
            Optional<ModelVersion> current = registry.current(model);
            if (current.isEmpty()) {
                if (registry.all(model).isEmpty()) {
                    publishBase(model);
                }
                return;
            }
            ModelVersion found = current.get();
            for (ModelVersion orphan : registry.candidates(model)) {
                if (!step.handled(orphan)) {
                    // its pruner died, stopped or ran out of memory between the CANDIDATE record and the verdict
                    step.settleOrphan(orphan, found);
                }
            }
            coMoments.retainOnly(model, found.version());
            VersionModel vm = models.load(found);
            metrics.promoted(found, vm.cost());
            Optional<PruningPolicy> next = step.nextStep(found, vm);
            ModelVersion cur = sayWhetherCovarianceIsWanted(found, next.isPresent());
            PruningPolicy planning = next.orElseGet(() -> step.nextStep(baseOf(cur), vm).orElse(null));
            if (planning == null) {
                progress = ConvergenceTracker.Progress.none(model, cur.version());
                return;
            }
            ConvergenceTracker.Progress p = tracker.update(model, cur.version(), vm.blockNames(),
                    statistics.blocks(model, cur.version()), coMoments.counts(model, cur.version()),
                    block -> coMoments.block(new MomentsKey(model, cur.version(), block)),
                    next.isPresent() && planning.compensation() == Compensation.LEAST_SQUARES,
                    s -> step.plan(vm, s, planning));
            progress = p;
            metrics.progress(p, tracker.nMin());
            if (config.auto() && p.ready() && next.isPresent() && !registry.hasChild(model, cur.version())) {
                step.prune(cur, next.get(), tracker.covariance(model, cur.version()));
            }
            lastError = null;
        } catch (RuntimeException ex) {
            lastError = ex.getMessage();
            LOG.warnf(ex, "pruner check failed");
        }
    }

    /**
     * The served version's record as collectors should read it: its {@code covariance} says whether a step will still
     * be pruned from it. The pruner writes it with each promotion; a record that disagrees (the final target changed
     * since, or the record predates the field) is published again, same status and time, only while no candidate is
     * open, so it can never land after a child's promotion.
     */
    private ModelVersion sayWhetherCovarianceIsWanted(ModelVersion cur, boolean wanted) {
        if (cur.wantsCovariance() == wanted || !registry.candidates(cur.model()).isEmpty() || step.validating()) {
            return cur;
        }
        ModelVersion said = cur.withCovariance(wanted);
        publisher.publish(said);
        registry.accept(said);
        LOG.infof("%s: collectors %s its co-moments (%s)", cur.key(), wanted ? "now gather" : "no longer gather",
                wanted ? "a step is pruned from it" : "it is at the final target");
        return said;
    }

    /** When the final target is reached, convergence is still shown, against the first step's policy. */
    private static ModelVersion baseOf(ModelVersion v) {
        return new ModelVersion(v.schema(), v.model(), v.version(), v.uri(), v.sha256(), null, 0, v.createdAt(), v.status(),
                null, null, v.updatedAt(), v.covariance());
    }

    private void publishBase(String model) {
        String uri = config.model().baseUri();
        String sha = ArtifactRef.sha256Of(uri).orElseThrow(() -> new IllegalStateException(
                "vbp.pruner.model.base-uri is not a store address (vbp-store:sha256/<hex>.onnx): " + uri));
        ModelVersion announced = ModelVersion.of(model, config.model().baseVersion(), uri, sha, null, 0, Instant.now().toString());
        VersionModel vm = models.load(announced); // refuse to announce a base the store cannot serve
        ModelVersion base = announced.withCovariance(step.nextStep(announced, vm).isPresent());
        registry.accept(base);
        publisher.publish(base);
        LOG.infof("published the base version %s", base.key());
    }
}
