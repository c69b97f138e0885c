package io.vbpstream.collector.model;

import io.vbpstream.collector.CollectorConfig;
import io.vbpstream.collector.observe.CollectorMetrics;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.runtime.UnusedHeap;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.core.store.DirectoryModelStore;
import io.vbpstream.platform.message.ModelVersion;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Which model version is served, and the next one waiting. Versions are loaded and verified on a loader thread, off
 * the inference path; promotions that arrive while one is loading are coalesced to the latest. The pipeline thread
 * swaps a loaded version in only between transactions ({@link #swapIfPending()}), so every batch runs start to end on
 * one session and every moments delta belongs to one version.
 */
@ApplicationScoped
public class ModelRegistry {

    private static final Logger LOG = Logger.getLogger(ModelRegistry.class);

    private final CollectorConfig config;
    private final CollectorMetrics metrics;
    private final AtomicReference<ModelVersion> wanted = new AtomicReference<>();
    private final AtomicReference<ServingModel> pending = new AtomicReference<>();
    // a 64 MiB stack: ONNX Runtime's work on DeiT-Base-sized graphs overflowed a default 1 MiB one (see BENCHMARKS)
    private final ExecutorService loaderThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(null, r, "vbp-model-loader", 64L << 20);
        t.setDaemon(true);
        return t;
    });
    private final CoMomentsDemand coMomentsDemand = new CoMomentsDemand();
    private volatile ServingModel current;
    private volatile ModelLoader loader;

    @Inject
    public ModelRegistry(CollectorConfig config, CollectorMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    /** Starts loading the configured version. */
    public void start() {
        LOG.info(UnusedHeap.configure());
        try {
            ModelCard card = ModelCard.read(Path.of(config.model().card()));
            loader = new ModelLoader(new DirectoryModelStore(Path.of(config.store().directory())), card, config.threads(),
                    config.covariance().enabled() ? config.covariance().tokensPerImage() : 0, config.covariance().gramRows());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model card " + config.model().card(), e);
        }
        CollectorConfig.Model m = config.model();
        String sha = m.sha256().orElseGet(() -> ArtifactRef.sha256Of(m.uri()).orElseThrow(() -> new IllegalArgumentException(
                "vbp.collector.model.sha256 is not set and cannot be read from " + m.uri())));
        promote(ModelVersion.of(m.id(), m.version(), m.uri(), sha, null, 0, Instant.EPOCH.toString()));
    }

    /**
     * Takes in a record of another status than {@code PROMOTED} (a candidate, a rejection, a rollback): it changes
     * nothing served, only whether the served version's co-moments are wanted ({@link #coMomentsUnwantedBecause}).
     */
    public void observe(ModelVersion version) {
        if (version.model().equals(config.model().id())) {
            coMomentsDemand.observe(version);
        }
    }

    /**
     * Why the pruner no longer wants {@code served}'s co-moments (it is at the final target, or a child pruned from it
     * is being validated or promoted), or null while it does.
     */
    public String coMomentsUnwantedBecause(ServingModel served) {
        return coMomentsDemand.unwantedBecause(served.version());
    }

    /** Asks for {@code version} to be served; versions of other models are ignored. */
    public void promote(ModelVersion version) {
        if (!version.model().equals(config.model().id())) {
            LOG.debugf("ignoring version %s of model %s (serving %s)", version.version(), version.model(), config.model().id());
            return;
        }
        coMomentsDemand.observe(version);
        wanted.set(version);
        loaderThread.execute(this::loadWanted);
    }

    private void loadWanted() {
        ModelVersion v = wanted.getAndSet(null);
        if (v == null || isKnown(v)) {
            return;
        }
        try {
            ServingModel m = loader.load(v);
            // the load's garbage (the parsed and instrumented graphs) goes before the old version is swapped out, so
            // the process does not hold the load's heap beside both sessions
            LOG.infof("loaded %s; it is served from the next transaction (%s)", m, UnusedHeap.release());
            ServingModel superseded = pending.getAndSet(m);
            if (superseded != null) {
                superseded.close();
            }
        } catch (ModelRefusedException e) {
            metrics.modelRefused(e.reason().name());
            LOG.errorf("refused model %s/%s: %s", v.model(), v.version(), e.getMessage());
        } catch (RuntimeException | OutOfMemoryError e) {
            // an unexpected failure (a model too large for the heap included) refuses this version, not the service
            metrics.modelRefused((e instanceof OutOfMemoryError ? ModelRefusedException.Reason.HEAP_TOO_SMALL
                    : ModelRefusedException.Reason.UNUSABLE).name());
            LOG.errorf(e, "refused model %s/%s", v.model(), v.version());
        }
    }

    private boolean isKnown(ModelVersion v) {
        ServingModel c = current;
        ServingModel p = pending.get();
        return (c != null && same(c.version(), v)) || (p != null && same(p.version(), v));
    }

    private static boolean same(ModelVersion a, ModelVersion b) {
        return a.version().equals(b.version()) && a.sha256().equals(b.sha256());
    }

    /** The version served now, or null before the first one has loaded. */
    public ServingModel current() {
        return current;
    }

    /** True when a loaded version waits to be swapped in. */
    public boolean hasPending() {
        return pending.get() != null;
    }

    /**
     * Swaps in the waiting version, if any. Call only from the pipeline thread with no batch in flight; the returned
     * old version is the caller's to close.
     */
    public Optional<ServingModel> swapIfPending() {
        ServingModel next = pending.getAndSet(null);
        if (next == null) {
            return Optional.empty();
        }
        ServingModel old = current;
        current = next;
        metrics.serving(next.modelId(), next.versionName(), next.version().sha256());
        LOG.infof("serving %s%s", next, old == null ? "" : " (was " + old + ")");
        return Optional.ofNullable(old);
    }

    /** Blocks until the loader thread is idle (tests and shutdown). */
    public void close() {
        loaderThread.shutdownNow();
        try {
            loaderThread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ServingModel p = pending.getAndSet(null);
        if (p != null) {
            p.close();
        }
        if (current != null) {
            current.close();
        }
    }
}
