package io.vbpstream.pruner;

import ai.onnx.proto.OnnxMl.ModelProto;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.data.ImageSet;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.prune.Allocation;
import io.vbpstream.core.prune.Compensation;
import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.prune.Pruning;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.prune.PruningTarget;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.core.stats.ModelStatistics;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.platform.MonitoringQueries;
import io.vbpstream.platform.PrometheusServer;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.platform.message.OffsetRange;
import io.vbpstream.platform.message.Prediction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loop closed on a real broker with the real collector, aggregator and pruner: traffic in, statistics converge, a
 * pruned version is validated and promoted, the collector swaps to it and its predictions carry the new version.
 * The pruned artifact and its gate figures are reproduced offline from the statistics the pruner used. The pruner
 * runs the reconstruction criterion, so the streamed covariance chooses the neurons as well as folding them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrunerPipelineIT {

    private static PipelineTestBed bed;
    private static ServiceProcess collector;
    private static ServiceProcess aggregator;
    private static ServiceProcess pruner;
    private static ModelVersion promoted;
    private static long secondsToPromotion;
    private static PrometheusServer prometheus;

    @BeforeAll
    static void run() throws Exception {
        bed = new PipelineTestBed();
        collector = bed.collector();
        aggregator = bed.aggregator();
        // the reconstruction criterion (greedy OBS from the streamed covariance), followed by convergence through variance
        // two 10% steps to the final target: the second calibrated on traffic served by the first
        pruner = bed.pruner(0.90, Map.of("vbp.pruner.policy.criterion", "reconstruction",
                "vbp.pruner.policy.final-target", "0.20"));
        // a real Prometheus scrapes the whole run, with the repository's alert rules loaded
        Map<String, String> jobs = new LinkedHashMap<>();
        jobs.put("activation-collector", hostPort(collector));
        jobs.put("stats-aggregator", hostPort(aggregator));
        jobs.put("pruner-service", hostPort(pruner));
        prometheus = PrometheusServer.start(bed.dir.resolve("prometheus"), jobs,
                List.of(PipelineTestBed.ROOT.resolve(MonitoringQueries.RULES)));
        long t0 = System.nanoTime();
        bed.sendImagesPaced(0, 1500, 100, 400);
        PipelineTestBed.await(() -> bed.firstChild(ModelVersion.Status.PROMOTED).isPresent(), "a promoted pruned version", 180);
        secondsToPromotion = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        promoted = bed.firstChild(ModelVersion.Status.PROMOTED).orElseThrow();
        System.out.printf("promoted %s %d s after the first image%n", promoted.version(), secondsToPromotion);
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.close();
        }
        for (ServiceProcess p : new ServiceProcess[]{pruner, aggregator, collector}) {
            if (p != null) {
                p.close();
            }
        }
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void thePromotedVersionIsLineagedAndItsArtifactVerifies() throws Exception {
        assertEquals("base", promoted.parentVersion());
        assertEquals(1, promoted.generation());
        assertNotNull(promoted.pruning());
        assertNotNull(promoted.validation());
        assertTrue(promoted.pruning().macsReduction() > 0.095 && promoted.pruning().macsReduction() < 0.12,
                "one 10% step: " + promoted.pruning().macsReduction());
        Path file = bed.store.fetch(new ArtifactRef(URI.create(promoted.uri()), promoted.sha256(), -1));
        assertEquals(promoted.sha256(), OnnxModels.sha256(file));
        assertTrue(promoted.validation().agreement() >= 0.90);
        // the gate's floor (gate.min-images, 200): it may stop at its first look past it
        assertTrue(promoted.validation().images() >= 200, "gate sample " + promoted.validation().images());
        assertTrue(promoted.validation().accuracy() > 0.7, "labels were used: " + promoted.validation().accuracy());
        assertEquals(6, promoted.pruning().keptWidths().size());
    }

    @Test
    void theCollectorSwapsToItAndItsPredictionsCarryTheNewVersion() throws Exception {
        PipelineTestBed.await(() -> metric(collector, "vbp_collector_serving_model_info{model=\"fmnist-vit\",sha256=\""
                + promoted.sha256() + "\",version=\"" + promoted.version() + "\"}") == 1.0, "the collector serving it", 60);
        bed.sendImages(1500, 200);
        PipelineTestBed.await(() -> laterPredictions(1500, 1700).size() == 200, "predictions of the new images", 60);
        for (Prediction p : laterPredictions(1500, 1700)) {
            assertEquals(promoted.version(), p.version(), p.key());
        }
    }

    @Test
    void theArtifactAndTheGateAreReproducedOfflineFromTheSameStatistics() throws Exception {
        Path stats = statisticsUsed("used.vbps");
        ModelStatistics ms = ModelStatistics.read(stats);
        ModelProto base = OnnxModels.read(PipelineTestBed.MODEL).model();
        assertEquals("reconstruction,uniform,macs-reduction=0.1,compensation=least-squares,ridge-alpha=0.001,min-keep=0.02,"
                + "width-multiple=1", promoted.pruning().policy());
        for (String block : ms.blocks().keySet()) {
            // the streamed covariance: enough samples for the pruner's covariance-n-min, never more than the moments
            assertTrue(ms.hasCoMoments(block), "co-moments of " + block + " in the statistics file");
            long co = ms.coMoments(block).count();
            assertTrue(co >= 8_192 && co <= ms.get(block).count(), block + ": " + co + " of " + ms.get(block).count());
        }
        Pruning.Result offline = Pruning.run(base, bed.base.sha256(), ms, new PruningPolicy(Criterion.RECONSTRUCTION,
                Allocation.UNIFORM, new PruningTarget.MacsReduction(0.1), Compensation.LEAST_SQUARES, 0.02, 0, 1, 1e-3), null);
        assertEquals(promoted.sha256(), OnnxModels.sha256(offline.model()), "the library gives the very same model");
        assertEquals(offline.report().macsReduction(), promoted.pruning().macsReduction(), 1e-12);

        // vbp eval: the parent and the pruned model on the images the gate used
        ModelCard card = ModelCard.read(PipelineTestBed.CARD);
        Preprocessor pre = new Preprocessor(card.input());
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.Limits.DEFAULT);
        List<float[]> xs = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> rec : bed.read(Topic.IMAGES)) {
            for (OffsetRange range : promoted.validation().sample()) {
                if (rec.partition() == range.partition() && rec.offset() >= range.from() && rec.offset() <= range.to()) {
                    float[] x = new float[pre.size()];
                    pre.image(decoder.decode(rec.value(), "image/png"), x, 0);
                    xs.add(x);
                }
            }
        }
        assertEquals(promoted.validation().images(), xs.size());
        int agree = 0;
        try (ModelSession a = new ModelSession(base); ModelSession b = new ModelSession(offline.model())) {
            for (float[] x : xs) {
                agree += argmax(a.logits(x, new long[]{1, 1, 28, 28})[0]) == argmax(b.logits(x, new long[]{1, 1, 28, 28})[0]) ? 1 : 0;
            }
        }
        assertEquals(promoted.validation().agreement(), (double) agree / xs.size(), 1e-12, "vbp eval agreement");
    }

    @Test
    void itsAccuracyMatchesTheOfflineLeastSquaresPruneFromTheSameStatistics() throws Exception {
        Path stats = statisticsUsed("used-cli.vbps");
        Path cli = bed.dir.resolve("cli-least-squares.onnx");
        Path mean = bed.dir.resolve("cli-mean.onnx");
        assertEquals(0, io.vbpstream.core.cli.VbpCli.run("prune", "--model", PipelineTestBed.MODEL.toString(), "--stats",
                stats.toString(), "--macs-reduction", "0.1", "--criterion", "reconstruction", "--compensation", "least-squares",
                "--out", cli.toString()));
        assertEquals(0, io.vbpstream.core.cli.VbpCli.run("prune", "--model", PipelineTestBed.MODEL.toString(), "--stats",
                stats.toString(), "--macs-reduction", "0.1", "--compensation", "mean", "--out", mean.toString()));
        Path streamed = bed.store.fetch(new ArtifactRef(URI.create(promoted.uri()), promoted.sha256(), -1));
        ImageSet test = unseenTestImages();
        Preprocessor pre = new Preprocessor(ModelCard.read(PipelineTestBed.CARD).input());
        double streamedAccuracy = accuracy(streamed, test, pre);
        double offlineAccuracy = accuracy(cli, test, pre);
        double meanAccuracy = accuracy(mean, test, pre);
        System.out.printf("test accuracy on 2000 unseen images: streamed reconstruction %.4f, offline reconstruction %.4f, "
                + "offline mean shift %.4f%n", streamedAccuracy, offlineAccuracy, meanAccuracy);
        assertEquals(offlineAccuracy, streamedAccuracy, 0.001,
                "within 0.1 point of vbp prune --criterion reconstruction --compensation least-squares");
        assertEquals(promoted.sha256(), OnnxModels.sha256(cli), "vbp prune gives the very same model");
        assertTrue(!OnnxModels.sha256(mean).equals(promoted.sha256()), "mean shift folds differently");
    }

    /**
     * Continuous recompression to the final target (two 10% steps): the second step's artifact is reproduced bit for
     * bit by {@code vbp prune} on the first step's artifact from the statistics file the second was pruned with
     * (gathered under the first), so the chain's last version is the offline stepwise result, and so is its accuracy
     * on images the pipeline never saw.
     */
    @Test
    @Order(Integer.MAX_VALUE) // last: the other tests look at the first generation while it is served
    void theChainReachesTheFinalTargetAndItsLastVersionIsTheOfflineStepwisePrune() throws Exception {
        bed.sendImagesPaced(1700, 3000, 100, 400);
        PipelineTestBed.await(() -> secondGeneration().isPresent(), "a promoted second generation", 180);
        ModelVersion last = secondGeneration().orElseThrow();
        assertEquals(promoted.version(), last.parentVersion());
        double cumulative = 1.0 - (double) last.pruning().macs() / last.pruning().baseMacs();
        assertTrue(cumulative >= 0.195 && cumulative < 0.22, "the final target, 20% of the base's MACs: " + cumulative);
        String policy = last.pruning().policy();
        assertTrue(policy.startsWith("reconstruction,uniform,macs-reduction="), policy);
        String fromParent = policy.substring(policy.indexOf("macs-reduction=") + "macs-reduction=".length()).split(",")[0];

        Path parentFile = bed.store.fetch(new ArtifactRef(URI.create(promoted.uri()), promoted.sha256(), -1));
        Path stats = statisticsUsed(last, "used-g2.vbps");
        assertEquals(promoted.sha256(), ModelStatistics.read(stats).modelSha256(),
                "the second step's statistics were gathered under the first step's model");
        Path offline = bed.dir.resolve("cli-stepwise-g2.onnx");
        assertEquals(0, io.vbpstream.core.cli.VbpCli.run("prune", "--model", parentFile.toString(), "--stats",
                stats.toString(), "--macs-reduction", fromParent, "--criterion", "reconstruction", "--compensation",
                "least-squares", "--out", offline.toString()));
        assertEquals(last.sha256(), OnnxModels.sha256(offline), "vbp prune of the first step gives the very same model");
        Path streamed = bed.store.fetch(new ArtifactRef(URI.create(last.uri()), last.sha256(), -1));
        ImageSet test = unseenTestImages();
        Preprocessor pre = new Preprocessor(ModelCard.read(PipelineTestBed.CARD).input());
        double streamedAccuracy = accuracy(streamed, test, pre);
        double offlineAccuracy = accuracy(offline, test, pre);
        System.out.printf("final target %s: test accuracy on 2000 unseen images: streamed chain %.4f, offline stepwise %.4f%n",
                last.version(), streamedAccuracy, offlineAccuracy);
        assertEquals(offlineAccuracy, streamedAccuracy, 0.001, "within 0.1 point of the offline stepwise prune");
    }

    private static java.util.Optional<ModelVersion> secondGeneration() {
        return bed.versions().values().stream()
                .filter(v -> v.generation() == 2 && v.status() == ModelVersion.Status.PROMOTED).findFirst();
    }

    /** 2000 Fashion-MNIST test images the pipeline never saw (it is sent images 0-4699). */
    private static ImageSet unseenTestImages() throws java.io.IOException {
        ImageSet all = ImageSet.open(PipelineTestBed.ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"),
                PipelineTestBed.ROOT.resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"), 10_000);
        return new ImageSet() {
            @Override
            public int size() {
                return 2000;
            }

            @Override
            public int[] labels() {
                return java.util.Arrays.copyOfRange(all.labels(), 8000, 10_000);
            }

            @Override
            public void write(int i, Preprocessor p, float[] dst, int offset) throws java.io.IOException {
                all.write(8000 + i, p, dst, offset);
            }
        };
    }

    /** The statistics file the pruner pruned the promoted version with, as its REST API serves it. */
    private static Path statisticsUsed(String name) throws Exception {
        return statisticsUsed(promoted, name);
    }

    private static Path statisticsUsed(ModelVersion v, String name) throws Exception {
        Path stats = bed.dir.resolve(name);
        Files.write(stats, pruner.getBytes("/models/fmnist-vit/versions/" + v.version() + "/statistics"));
        return stats;
    }

    private static double accuracy(Path model, ImageSet images, Preprocessor pre) throws Exception {
        try (ModelSession s = new ModelSession(model)) {
            return io.vbpstream.core.runtime.Evaluator.accuracy(
                    io.vbpstream.core.runtime.Evaluator.predict(s, images, pre, 100, n -> { }), images);
        }
    }

    /**
     * The status page in headless Chromium while the first generation is served and the next step is planned: the
     * DOM has each spectrum's axes and the threshold's label, and the lineage chart; screenshots at 1280 and 600 px
     * (copied to docs/ for the README) show it readable at both.
     */
    @Test
    @Order(Integer.MAX_VALUE - 1) // after the traffic of the other tests: statistics of the first generation exist
    void theStatusPageRendersInHeadlessChromium() throws Exception {
        Path out = Path.of("target", "status-page");
        Files.createDirectories(out);
        String[] dom = new String[1];
        PipelineTestBed.await(() -> unchecked(() -> count(dom[0] = Chromium.dumpDom(pruner.url("/"), out), "class=\"threshold-label\"") == 6),
                "the next step's threshold on every block's spectrum", 90);
        Path wide = out.resolve("status-page-1280.png").toAbsolutePath();
        Path narrow = out.resolve("status-page-600.png").toAbsolutePath();
        Chromium.screenshot(pruner.url("/"), wide, out, 1280, 2000);
        Chromium.screenshot(pruner.url("/"), narrow, out, 600, 3000);
        String d = dom[0];
        assertTrue(count(d, "<svg class=\"spectrum\"") == 6, "one spectrum per block");
        assertTrue(count(d, "class=\"axis x-axis\"") >= 7 && count(d, "class=\"axis y-axis\"") >= 7,
                "x and y axes on the six spectra and the lineage chart");
        assertTrue(d.contains("neurons, sorted by variance") && d.contains("variance (log)"), "the axes are labelled");
        assertTrue(count(d, "class=\"threshold-label\"") == 6 && d.contains(">threshold "), "each threshold is labelled");
        assertTrue(d.contains("class=\"removed-label\""), "the removed share is labelled");
        assertTrue(d.contains("id=\"lineage-chart\"") && d.contains("MACs, share of the base"), "the lineage chart");
        assertTrue(d.contains("http-equiv=\"refresh\""), "the page refreshes itself");
        assertTrue(d.contains("<polyline"));
        assertTrue(d.contains("id=\"lineage\"") && d.contains(promoted.version()), "lineage lists the promoted version");
        assertTrue(d.contains("reconstruction,uniform,"), "and the criterion it was pruned with");
        assertTrue(d.contains("id=\"convergence\""));
        for (Path png : new Path[] {wide, narrow}) {
            assertTrue(Files.size(png) > 10_000, "a real screenshot: " + Files.size(png) + " bytes");
        }
        assertEquals(1280, javax.imageio.ImageIO.read(wide.toFile()).getWidth());
        assertEquals(600, javax.imageio.ImageIO.read(narrow.toFile()).getWidth());
    }

    @Test
    void versionsAndReportsAreServed() throws Exception {
        var r = pruner.get("/models/fmnist-vit/versions/" + promoted.version());
        assertEquals(200, r.statusCode());
        JsonNode j = new ObjectMapper().readTree(r.body());
        assertEquals(promoted.sha256(), j.get("version").get("sha256").asText());
        assertEquals(6, j.get("report").get("blocks").size());
        assertEquals(200, pruner.get("/models").statusCode());
        assertTrue(pruner.metric("vbp_pruner_gate_verdicts_total{status=\"PROMOTED\"}") >= 1.0);
        assertEquals(0.0, pruner.metric("vbp_pruner_gate_verdicts_total{status=\"REJECTED\"}"));
        assertEquals(1.0, pruner.metric("vbp_pruner_promoted_info{application=\"pruner-service\",model=\"fmnist-vit\"}"));
    }

    /** The summary ./vbp-local prints at the end: every figure it promises, with the promoted version's values. */
    @Test
    void theSummaryStatesWhatThePromotionDid() throws Exception {
        var r = pruner.get("/models/fmnist-vit/summary");
        assertEquals(200, r.statusCode());
        String text = r.body();
        String current = text.substring(text.indexOf("promoted  fmnist-vit/") + "promoted  fmnist-vit/".length()).split(" ")[0];
        ModelVersion v = bed.versions().get(current);
        assertNotNull(v, "the summary names a version on model-versions: " + text);
        assertEquals(ModelVersion.Status.PROMOTED, v.status());
        java.util.function.Function<String, String> line = key -> text.lines().filter(l -> l.startsWith(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + key + "' line in\n" + text));
        assertTrue(line.apply("blocks").contains("mlp0:" + v.pruning().keptWidths().get("mlp0")), text);
        assertTrue(line.apply("MACs").contains(String.format(java.util.Locale.ROOT, "-%.1f%% from the parent",
                100 * v.pruning().macsReduction())), text);
        assertTrue(line.apply("params").contains(String.format(java.util.Locale.ROOT, "-%.1f%% from the parent",
                100 * v.pruning().paramsReduction())), text);
        assertTrue(line.apply("gate").contains(String.format(java.util.Locale.ROOT, "agreement %.4f", v.validation().agreement()))
                && line.apply("gate").contains(String.format(java.util.Locale.ROOT, "latency ratio %.3f",
                v.validation().latencyRatio())), text);
        assertTrue(line.apply("policy").contains("reconstruction,uniform,"), "the criterion used: " + text);
        assertTrue(line.apply("artifact").endsWith(v.sha256() + ".onnx"), text);
        assertTrue(line.apply("sha256").endsWith(v.sha256()), text);
    }

    /** Predictions of the images numbered {@code from} (inclusive) to {@code to} (exclusive). */
    private static List<Prediction> laterPredictions(int from, int to) {
        List<Prediction> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : bed.read(Topic.PREDICTIONS)) {
            int i = Integer.parseInt(r.key().substring(4));
            if (i >= from && i < to) {
                out.add(Prediction.read(r.value()));
            }
        }
        return out;
    }

    /**
     * What the dashboard and the alerts ask must be answerable: every panel query returns data from this pipeline,
     * every alert expression evaluates, every metric an alert reads exists, and with its thresholds relaxed and
     * {@code unless} read as {@code and} it returns data (a typo, a label that is never set or a join on labels that
     * never match would make an alert that can never fire). Prometheus itself must evaluate every rule without error.
     */
    @Test
    void everyDashboardQueryAndAlertRuleReadsRealSeries() throws Exception {
        bed.sendImages(1700, 300);
        PipelineTestBed.await(() -> laterPredictions(1700, 2000).size() == 300, "predictions of the last images", 90);
        double images = collector.metric("vbp_collector_images_total");
        PipelineTestBed.await(() -> unchecked(() -> scalar("sum(vbp_collector_images_total)") >= images),
                "Prometheus to scrape them", 30);
        Thread.sleep(3000); // a few more scrapes, so every rate window holds more than one point
        PipelineTestBed.await(() -> unchecked(() -> prometheus.ruleHealth().values().stream().noneMatch(h -> h.startsWith("unknown"))),
                "every rule evaluated once", 30);

        List<String> failures = new ArrayList<>();
        prometheus.targets().forEach((job, health) -> {
            if (!health.startsWith("up")) {
                failures.add("scrape target " + job + " is " + health);
            }
        });
        Map<String, String> variables = Map.of("model", "fmnist-vit", "version", ".*", "__rate_interval", "1m",
                "__interval", "15s", "__range", "5m");
        Map<String, String> panels = MonitoringQueries.dashboardTargets(PipelineTestBed.ROOT, variables);
        assertTrue(panels.size() >= 10, "the dashboard's queries: " + panels.keySet());
        for (Map.Entry<String, String> p : panels.entrySet()) {
            check(failures, "panel " + p.getKey(), p.getValue(), true);
        }
        Map<String, String> rules = MonitoringQueries.rules(PipelineTestBed.ROOT);
        for (Map.Entry<String, String> r : rules.entrySet()) {
            check(failures, "rule " + r.getKey(), r.getValue(), false);
            // its joins must line up on this healthy pipeline, or it could never fire
            check(failures, "rule " + r.getKey() + " without thresholds", MonitoringQueries.healthySignal(r.getValue()), true);
            for (String selector : MonitoringQueries.selectors(r.getValue())) {
                check(failures, "rule " + r.getKey() + " reads", selector, true);
            }
        }
        prometheus.ruleHealth().forEach((rule, health) -> {
            if (!health.startsWith("ok")) {
                failures.add("Prometheus evaluates rule " + rule + " as " + health);
            }
        });
        // the common tags, and the JVM, Kafka client and Kafka Streams families
        if (prometheus.seriesCount("{__name__=~\"vbp_.+\",application=\"\"}") + prometheus.seriesCount(
                "{__name__=~\"vbp_.+\",model=\"\"}") > 0) {
            failures.add("some vbp series lack the application or model tag");
        }
        for (String family : List.of("kafka_consumer_fetch_manager_records_lag_max{application=\"activation-collector\"}",
                "kafka_consumer_fetch_manager_records_lag_max{application=\"stats-aggregator\"}",
                "kafka_stream_alive_stream_threads{application=\"stats-aggregator\"}")) {
            check(failures, "metric family", family, true);
        }
        assertEquals(3, prometheus.seriesCount("count by (application) (jvm_memory_used_bytes)"));
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    private static void check(List<String> failures, String what, String promql, boolean mustReturnData) {
        try {
            if (mustReturnData && prometheus.seriesCount(promql) == 0) {
                failures.add(what + " returns no data: " + promql);
            }
        } catch (Exception e) {
            failures.add(what + " fails: " + e.getMessage());
        }
    }

    private static boolean unchecked(java.util.concurrent.Callable<Boolean> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static double scalar(String promql) throws Exception {
        JsonNode result = prometheus.query(promql).get("result");
        return result.isEmpty() ? Double.NaN : result.get(0).get("value").get(1).asDouble();
    }

    private static String hostPort(ServiceProcess p) {
        return URI.create(p.url("/")).getAuthority();
    }

    private static double metric(ServiceProcess p, String series) {
        try {
            return p.metric(series);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static int argmax(float[] v) {
        int b = 0;
        for (int i = 1; i < v.length; i++) {
            b = v[i] > v[b] ? i : b;
        }
        return b;
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
