package io.vbpstream.collector.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vbpstream.platform.observe.KafkaClientBinder;
import io.vbpstream.collector.model.ModelRefusedException;
import io.vbpstream.core.data.RejectedImageException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The collector's Micrometer meters (Prometheus names in brackets): images processed
 * ({@code vbp_collector_images_total}), inference latency ({@code vbp_collector_inference_seconds}, a histogram),
 * batch size ({@code vbp_collector_batch_size}), moments deltas published ({@code vbp_collector_moments_deltas_total}),
 * co-moment batches and tiles ({@code vbp_collector_comoments_batches_total}, {@code vbp_collector_comoments_tiles_total}),
 * dead-lettered images by reason ({@code vbp_collector_dead_letters_total}), transactions by outcome, model refusals
 * by reason, and the serving version ({@code vbp_collector_serving_model_info}, 1 for the version served).
 */
@ApplicationScoped
public class CollectorMetrics {

    /** The dead-letter reason of an image whose inference failed on its own (after a failed batch). */
    public static final String INFERENCE_FAILED = "INFERENCE_FAILED";

    /** Why co-moment samples gathered since the last publication were dropped (never counted twice, at worst lost). */
    public static final String DROPPED_ABORTED = "aborted";
    public static final String DROPPED_FAILED_BATCH = "failed_batch";
    public static final String DROPPED_SUPERSEDED = "superseded";
    public static final String DROPPED_RESTART = "restart";
    /** The pruner no longer wants the served version's co-moments (final target, or a candidate being validated). */
    public static final String DROPPED_UNWANTED = "unwanted";
    private static final java.util.List<String> DROP_REASONS =
            java.util.List.of(DROPPED_ABORTED, DROPPED_FAILED_BATCH, DROPPED_SUPERSEDED, DROPPED_RESTART,
                    DROPPED_UNWANTED);

    private final MeterRegistry registry;
    private final Timer inference;
    private final DistributionSummary batchSize;
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
    private final AtomicReference<Gauge> servingGauge = new AtomicReference<>();

    @Inject
    public CollectorMetrics(MeterRegistry registry) {
        this.registry = registry;
        // every bounded label value exists from the start, so rate() and alerts see 0 rather than no series
        for (RejectedImageException.Reason r : RejectedImageException.Reason.values()) {
            deadLetterCounter(r.name());
        }
        deadLetterCounter(INFERENCE_FAILED);
        deadLetterCounter(io.vbpstream.collector.pipeline.ImageIntake.KEY_TOO_LARGE);
        deadLetterCounter(io.vbpstream.collector.pipeline.ImageIntake.HEADER_TOO_LARGE);
        for (ModelRefusedException.Reason r : ModelRefusedException.Reason.values()) {
            refusalCounter(r.name());
        }
        coMomentsBatchCounter();
        DROP_REASONS.forEach(this::coMomentsDroppedCounter);
        transactionCounter("committed");
        transactionCounter("aborted");
        this.inference = Timer.builder("vbp.collector.inference")
                .description("Wall time of one instrumented inference batch")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        this.batchSize = DistributionSummary.builder("vbp.collector.batch.size")
                .description("Images per inference batch")
                .publishPercentileHistogram()
                .minimumExpectedValue(1.0)
                .maximumExpectedValue(1024.0)
                .register(registry);
    }

    public void batch(int images, long nanos, String model, String version) {
        inference.record(Duration.ofNanos(nanos));
        batchSize.record(images);
        counter("vbp.collector.images", "Images run through the model", Tags.of("model", model, "version", version))
                .increment(images);
    }

    public void momentsDeltas(int n, String model, String version) {
        counter("vbp.collector.moments.deltas", "Moments deltas published (one per block per flush)",
                Tags.of("model", model, "version", version)).increment(n);
    }

    /** One batch that also computed its co-moment matrices. */
    public void coMomentsBatch() {
        coMomentsBatchCounter().increment();
    }

    private Counter coMomentsBatchCounter() {
        return counter("vbp.collector.comoments.batches", "Batches that also computed co-moment matrices over sampled tokens",
                Tags.empty());
    }

    public void coMomentsTiles(int n, String model, String version) {
        counter("vbp.collector.comoments.tiles", "Co-moment tiles published (every tile of every block per publication)",
                Tags.of("model", model, "version", version)).increment(n);
    }

    /** A publication of the co-moments gathered over {@code samples} sampled tokens per block. */
    public void coMomentsPublished(long samples, String model, String version) {
        Tags tags = Tags.of("model", model, "version", version);
        counter("vbp.collector.comoments.publications", "Co-moment publications (each every tile of every block)", tags)
                .increment();
        counter("vbp.collector.comoments.samples", "Sampled tokens per block behind the published co-moments", tags)
                .increment(samples);
    }

    /** Samples gathered since the last publication and then dropped, by reason. */
    public void coMomentsDropped(String reason, long samples) {
        coMomentsDroppedCounter(reason).increment(samples);
    }

    private Counter coMomentsDroppedCounter(String reason) {
        return counter("vbp.collector.comoments.dropped.samples",
                "Co-moment samples dropped before publication (an aborted window, a failed batch, a superseded version, "
                        + "a restart of the loop)", Tags.of("reason", reason));
    }

    public void deadLetter(String reason) {
        deadLetterCounter(reason).increment();
    }

    public void transaction(String outcome) {
        transactionCounter(outcome).increment();
    }

    public void modelRefused(String reason) {
        refusalCounter(reason).increment();
    }

    /** Binds a Kafka client's own metrics (fetch lag, request latency, ...) until the returned handle is closed. */
    public AutoCloseable bindKafkaClient(Consumer<?, ?> consumer) {
        return KafkaClientBinder.bind(registry, consumer);
    }

    /** As {@link #bindKafkaClient(Consumer)}, for a producer. */
    public AutoCloseable bindKafkaClient(Producer<?, ?> producer) {
        return KafkaClientBinder.bind(registry, producer);
    }

    private Counter deadLetterCounter(String reason) {
        return counter("vbp.collector.dead.letters", "Images sent to the dead-letter topic", Tags.of("reason", reason));
    }

    private Counter transactionCounter(String outcome) {
        return counter("vbp.collector.transactions", "Kafka transactions by outcome", Tags.of("outcome", outcome));
    }

    private Counter refusalCounter(String reason) {
        return counter("vbp.collector.model.refusals", "Model versions refused", Tags.of("reason", reason));
    }

    public void badVersionMessage(String reason) {
        counter("vbp.collector.model.version.messages.rejected", "model-versions records that could not be read",
                Tags.of("reason", reason)).increment();
    }

    /** Marks {@code version} as the one served: exactly one serving-info series exists at a time. */
    public void serving(String model, String version, String sha256) {
        Gauge gauge = Gauge.builder("vbp.collector.serving.model.info", () -> 1.0)
                .description("The model version being served (value 1)")
                .tags("model", model, "version", version, "sha256", sha256)
                .register(registry);
        Gauge old = servingGauge.getAndSet(gauge);
        if (old != null && !old.getId().equals(gauge.getId())) {
            registry.remove(old);
        }
    }

    private Counter counter(String name, String description, Tags tags) {
        return counters.computeIfAbsent(name + tags, k -> Counter.builder(name).description(description).tags(tags).register(registry));
    }
}
