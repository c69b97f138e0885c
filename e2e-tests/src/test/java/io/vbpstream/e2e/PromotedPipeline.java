package io.vbpstream.e2e;

import io.vbpstream.core.data.ImageSet;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.runtime.Evaluator;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.platform.MonitoringQueries;
import io.vbpstream.platform.PrometheusServer;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.platform.message.Prediction;
import io.vbpstream.testbed.PipelineTestBed;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The loop closed on a real broker with the real collector, aggregator and pruner, shared by the classes that look at
 * it ({@link PipelineLineageIT}, {@link MonitoringRulesIT}, {@link StatusPageIT}, {@link RecompressionChainIT}, run in
 * that order): traffic in, statistics converge, a pruned version is validated and promoted. The pruner runs the
 * reconstruction criterion (the streamed covariance chooses the neurons as well as folding them) in two 10% steps to
 * a 20% final target, the second calibrated on traffic served by the first; a real Prometheus scrapes the whole run
 * with the repository's alert rules loaded. Started by the first class that asks, stopped by {@link #release()}.
 */
final class PromotedPipeline {

    private static PromotedPipeline shared;
    /** Why the shared pipeline could not start: the classes after the first fail at once with it. */
    private static Throwable failed;

    final PipelineTestBed bed;
    final ServiceProcess collector;
    final ServiceProcess aggregator;
    final ServiceProcess pruner;
    final PrometheusServer prometheus;
    final ModelVersion promoted;

    private PromotedPipeline(PipelineTestBed bed, ServiceProcess collector, ServiceProcess aggregator,
                             ServiceProcess pruner, PrometheusServer prometheus, ModelVersion promoted) {
        this.bed = bed;
        this.collector = collector;
        this.aggregator = aggregator;
        this.pruner = pruner;
        this.prometheus = prometheus;
        this.promoted = promoted;
    }

    /** The pipeline with its first generation promoted, started on the first call. */
    static synchronized PromotedPipeline shared() throws Exception {
        if (failed != null) {
            throw new AssertionError("the shared pipeline failed to start (see the first class on it)", failed);
        }
        if (shared == null) {
            try {
                shared = start();
            } catch (Exception | Error e) {
                failed = e;
                throw e;
            }
        }
        return shared;
    }

    /** Stops the shared pipeline, if one is running. */
    static synchronized void release() throws Exception {
        if (shared != null) {
            PromotedPipeline p = shared;
            shared = null;
            p.close();
        }
    }

    private static PromotedPipeline start() throws Exception {
        PipelineTestBed bed = new PipelineTestBed();
        ServiceProcess collector = null;
        ServiceProcess aggregator = null;
        ServiceProcess pruner = null;
        PrometheusServer prometheus = null;
        try {
            collector = bed.collector();
            aggregator = bed.aggregator();
            pruner = bed.pruner(0.90, Map.of("vbp.pruner.policy.criterion", "reconstruction",
                    "vbp.pruner.policy.final-target", "0.20"));
            Map<String, String> jobs = new LinkedHashMap<>();
            jobs.put("activation-collector", hostPort(collector));
            jobs.put("stats-aggregator", hostPort(aggregator));
            jobs.put("pruner-service", hostPort(pruner));
            prometheus = PrometheusServer.start(bed.dir.resolve("prometheus"), jobs,
                    List.of(PipelineTestBed.ROOT.resolve(MonitoringQueries.RULES)));
            long t0 = System.nanoTime();
            bed.sendImagesPaced(0, 1500, 100, 400);
            PipelineTestBed.await(() -> bed.firstChild(ModelVersion.Status.PROMOTED).isPresent(), "a promoted pruned version", 180);
            ModelVersion promoted = bed.firstChild(ModelVersion.Status.PROMOTED).orElseThrow();
            System.out.printf("promoted %s %d s after the first image%n", promoted.version(),
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
            return new PromotedPipeline(bed, collector, aggregator, pruner, prometheus, promoted);
        } catch (Exception | Error e) {
            try {
                new PromotedPipeline(bed, collector, aggregator, pruner, prometheus, null).close();
            } catch (Exception closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private void close() throws Exception {
        if (prometheus != null) {
            prometheus.close();
        }
        for (ServiceProcess p : new ServiceProcess[]{pruner, aggregator, collector}) {
            if (p != null) {
                p.close();
            }
        }
        bed.close();
    }

    /** The artifact of {@code v}, from the shared store. */
    Path artifact(ModelVersion v) {
        return bed.store.fetch(new ArtifactRef(URI.create(v.uri()), v.sha256(), -1));
    }

    /** The statistics file the pruner pruned {@code v} with, as its REST API serves it. */
    Path statisticsUsed(ModelVersion v, String name) throws Exception {
        Path stats = bed.dir.resolve(name);
        Files.write(stats, pruner.getBytes("/models/fmnist-vit/versions/" + v.version() + "/statistics"));
        return stats;
    }

    Optional<ModelVersion> secondGeneration() {
        return bed.versions().values().stream()
                .filter(v -> v.generation() == 2 && v.status() == ModelVersion.Status.PROMOTED).findFirst();
    }

    /** Predictions of the images numbered {@code from} (inclusive) to {@code to} (exclusive). */
    List<Prediction> laterPredictions(int from, int to) {
        List<Prediction> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : bed.read(Topic.PREDICTIONS)) {
            int i = Integer.parseInt(r.key().substring(4));
            if (i >= from && i < to) {
                out.add(Prediction.read(r.value()));
            }
        }
        return out;
    }

    /** 2000 Fashion-MNIST test images the pipeline never saw (it is sent images 0-4999). */
    static ImageSet unseenTestImages() throws IOException {
        ImageSet all = ImageSet.open(PipelineTestBed.ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"),
                PipelineTestBed.ROOT.resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"), 10_000);
        return new ImageSet() {
            @Override
            public int size() {
                return 2000;
            }

            @Override
            public int[] labels() {
                return Arrays.copyOfRange(all.labels(), 8000, 10_000);
            }

            @Override
            public void write(int i, Preprocessor p, float[] dst, int offset) throws IOException {
                all.write(8000 + i, p, dst, offset);
            }
        };
    }

    static double accuracy(Path model, ImageSet images, Preprocessor pre) throws Exception {
        try (ModelSession s = new ModelSession(model)) {
            return Evaluator.accuracy(Evaluator.predict(s, images, pre, 100, n -> { }), images);
        }
    }

    static double metric(ServiceProcess p, String series) {
        try {
            return p.metric(series);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    static boolean unchecked(Callable<Boolean> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static String hostPort(ServiceProcess p) {
        return URI.create(p.url("/")).getAuthority();
    }
}
