package io.vbpstream.pruner.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vbpstream.core.cost.ModelCost;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.pruner.convergence.ConvergenceTracker;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;

/**
 * Convergence per block ({@code vbp_pruner_block_samples_ratio}: samples / n-min, {@code vbp_pruner_block_jaccard},
 * {@code vbp_pruner_block_converged}), the validation gate's verdicts by status ({@code vbp_pruner_gate_verdicts_total}), prune / validation
 * durations, and the promoted version: {@code vbp_pruner_promoted_info} (one series, labelled with the version) and
 * its cost and gate figures as unlabelled gauges, so their history is the history of promotions.
 */
@ApplicationScoped
public class PrunerMetrics {

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, double[]> blocks = new ConcurrentHashMap<>();
    private final Timer prune;
    private final Timer validate;
    private final Promoted promoted = new Promoted();
    private final AtomicReference<Gauge> promotedInfo = new AtomicReference<>();

    @Inject
    public PrunerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.prune = Timer.builder("vbp.pruner.prune").description("Plan, slice, fold and store a candidate").register(registry);
        this.validate = Timer.builder("vbp.pruner.validate").description("The validation gate").register(registry);
        verdictCounter(ModelVersion.Status.PROMOTED); // both present at 0, so rate() and alerts see them
        verdictCounter(ModelVersion.Status.REJECTED);
        orphanCounter("resumed");
        orphanCounter("rejected");
        gauge("vbp.pruner.promoted.generation", "Pruning generation of the promoted version (0: base)",
                p -> p.generation);
        gauge("vbp.pruner.promoted.macs", "MACs per image of the promoted version", p -> p.macs);
        gauge("vbp.pruner.promoted.params", "Parameters of the promoted version", p -> p.params);
        gauge("vbp.pruner.promoted.macs.reduction", "MACs removed from the base model, as a fraction",
                p -> p.macsReduction);
        gauge("vbp.pruner.promoted.agreement", "Top-1 agreement of the promoted version with its parent at the gate",
                p -> p.agreement);
        gauge("vbp.pruner.promoted.relative.accuracy",
                "Gate accuracy of the promoted version / its parent's (NaN without labels or for a base)",
                p -> p.relativeAccuracy);
        gauge("vbp.pruner.promoted.latency.ratio", "Gate latency of the promoted version / its parent's",
                p -> p.latencyRatio);
    }

    /** The figures of the promoted version, updated on every check. */
    private static final class Promoted {
        volatile double generation = Double.NaN;
        volatile double macs = Double.NaN;
        volatile double params = Double.NaN;
        volatile double macsReduction = Double.NaN;
        volatile double agreement = Double.NaN;
        volatile double relativeAccuracy = Double.NaN;
        volatile double latencyRatio = Double.NaN;
    }

    private void gauge(String name, String description, ToDoubleFunction<Promoted> f) {
        Gauge.builder(name, promoted, f).description(description).register(registry);
    }

    /** Binds a Kafka consumer's own metrics (lag, fetch latency, ...) until the returned handle is closed. */
    public AutoCloseable bindKafkaClient(org.apache.kafka.clients.consumer.Consumer<?, ?> consumer) {
        return io.vbpstream.platform.observe.KafkaClientBinder.bind(registry, consumer);
    }

    /** Records {@code v} (with its loaded cost) as the promoted version. */
    public void promoted(ModelVersion v, ModelCost cost) {
        promoted.generation = v.generation();
        promoted.macs = cost.macs();
        promoted.params = cost.params();
        ModelVersion.Pruning p = v.pruning();
        promoted.macsReduction = p == null ? 0 : 1.0 - (double) cost.macs() / p.baseMacs();
        ModelVersion.Validation g = v.validation();
        promoted.agreement = g == null ? Double.NaN : g.agreement();
        promoted.relativeAccuracy = g == null || g.accuracy() < 0 || g.parentAccuracy() <= 0 ? Double.NaN
                : g.accuracy() / g.parentAccuracy();
        promoted.latencyRatio = g == null ? Double.NaN : g.latencyRatio();
        Gauge info = Gauge.builder("vbp.pruner.promoted.info", () -> 1.0)
                .description("The promoted version (value 1; one series at a time)")
                .tags("version", v.version(), "sha256", v.sha256())
                .register(registry);
        Gauge old = promotedInfo.getAndSet(info);
        if (old != null && !old.getId().equals(info.getId())) {
            registry.remove(old);
        }
    }

    public void progress(ConvergenceTracker.Progress p, long nMin) {
        for (ConvergenceTracker.BlockProgress b : p.blocks()) {
            double[] v = blocks.computeIfAbsent(p.model() + "/" + p.version() + "/" + b.block(), k -> {
                double[] cell = new double[5];
                Tags tags = Tags.of("model", p.model(), "version", p.version(), "block", b.block());
                Gauge.builder("vbp.pruner.block.samples.ratio", cell, c -> c[0]).tags(tags)
                        .description("Samples merged / n-min").register(registry);
                Gauge.builder("vbp.pruner.block.jaccard", cell, c -> c[1]).tags(tags)
                        .description("Kept-set overlap between the last two snapshots (NaN before two)").register(registry);
                Gauge.builder("vbp.pruner.block.converged", cell, c -> c[2]).tags(tags)
                        .description("1 once the block has converged").register(registry);
                Gauge.builder("vbp.pruner.block.covariance.samples", cell, c -> c[3]).tags(tags)
                        .description("Samples behind the block's co-moment matrix (0 without one)").register(registry);
                Gauge.builder("vbp.pruner.block.covariance.change", cell, c -> c[4]).tags(tags)
                        .description("Relative Frobenius change of the kept-removed covariance between the last two "
                                + "covariance snapshots (NaN before two)").register(registry);
                return cell;
            });
            v[0] = (double) b.samples() / nMin;
            v[1] = b.jaccard();
            v[2] = b.converged() ? 1 : 0;
            v[3] = b.covarianceSamples();
            v[4] = b.covarianceChange();
        }
    }

    public void published(ModelVersion v, double pruneSeconds, double validateSeconds) {
        verdictCounter(v.status()).increment();
        prune.record(Duration.ofNanos((long) (pruneSeconds * 1e9)));
        validate.record(Duration.ofNanos((long) (validateSeconds * 1e9)));
    }

    /**
     * A candidate without a verdict that no gate of this process was running on (its pruner died mid-gate), settled:
     * {@code resumed} (the gate ran again) or {@code rejected} (its parent is no longer served, or its artifact is gone).
     */
    public void orphanSettled(String outcome) {
        orphanCounter(outcome).increment();
    }

    private Counter orphanCounter(String outcome) {
        return Counter.builder("vbp.pruner.orphaned.candidates").description("Candidates left without a verdict by an"
                + " earlier pruner, settled (the gate run again, or rejected)").tag("outcome", outcome).register(registry);
    }

    private Counter verdictCounter(ModelVersion.Status status) {
        return Counter.builder("vbp.pruner.gate.verdicts").description("Validation gate verdicts, by status")
                .tag("status", status.name()).register(registry);
    }
}
