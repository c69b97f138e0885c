package io.vbpstream.pruner.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.pruner.convergence.ConvergenceTracker;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Convergence per block ({@code vbp_pruner_block_samples_ratio}: samples / n-min, {@code vbp_pruner_block_jaccard},
 * {@code vbp_pruner_block_converged}), versions published by status, and prune / validation durations.
 */
@ApplicationScoped
public class PrunerMetrics {

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, double[]> blocks = new ConcurrentHashMap<>();
    private final Timer prune;
    private final Timer validate;

    @Inject
    public PrunerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.prune = Timer.builder("vbp.pruner.prune").description("Plan, slice, fold and store a candidate").register(registry);
        this.validate = Timer.builder("vbp.pruner.validate").description("The validation gate").register(registry);
    }

    public void progress(ConvergenceTracker.Progress p, long nMin) {
        for (ConvergenceTracker.BlockProgress b : p.blocks()) {
            double[] v = blocks.computeIfAbsent(p.model() + "/" + p.version() + "/" + b.block(), k -> {
                double[] cell = new double[3];
                Tags tags = Tags.of("model", p.model(), "version", p.version(), "block", b.block());
                Gauge.builder("vbp.pruner.block.samples.ratio", cell, c -> c[0]).tags(tags)
                        .description("Samples merged / n-min").register(registry);
                Gauge.builder("vbp.pruner.block.jaccard", cell, c -> c[1]).tags(tags)
                        .description("Kept-set overlap between the last two snapshots (NaN before two)").register(registry);
                Gauge.builder("vbp.pruner.block.converged", cell, c -> c[2]).tags(tags)
                        .description("1 once the block has converged").register(registry);
                return cell;
            });
            v[0] = (double) b.samples() / nMin;
            v[1] = b.jaccard();
            v[2] = b.converged() ? 1 : 0;
        }
    }

    public void published(ModelVersion v, double pruneSeconds, double validateSeconds) {
        Counter.builder("vbp.pruner.versions").description("Versions published by status").tag("status", v.status().name())
                .register(registry).increment();
        prune.record(Duration.ofNanos((long) (pruneSeconds * 1e9)));
        validate.record(Duration.ofNanos((long) (validateSeconds * 1e9)));
    }
}
