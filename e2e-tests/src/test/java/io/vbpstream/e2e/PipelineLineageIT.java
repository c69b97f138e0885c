package io.vbpstream.e2e;

import ai.onnx.proto.OnnxMl.ModelProto;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vbpstream.core.cli.VbpCli;
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
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.platform.message.OffsetRange;
import io.vbpstream.platform.message.Prediction;
import io.vbpstream.testbed.PipelineTestBed;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The promoted first generation of the shared pipeline ({@link PromotedPipeline}): its lineage and artifact, the
 * collector's hot swap to it, its artifact and gate reproduced offline from the statistics the pruner used (bit for
 * bit, by the library and by {@code vbp prune}), and what the pruner's REST API and summary say of it.
 */
@Order(1)
class PipelineLineageIT {

    private static PromotedPipeline pipe;

    @BeforeAll
    static void pipeline() throws Exception {
        pipe = PromotedPipeline.shared();
    }


    @Test
    void thePromotedVersionIsLineagedAndItsArtifactVerifies() throws Exception {
        assertEquals("base", pipe.promoted.parentVersion());
        assertEquals(1, pipe.promoted.generation());
        assertNotNull(pipe.promoted.pruning());
        assertNotNull(pipe.promoted.validation());
        assertTrue(pipe.promoted.pruning().macsReduction() > 0.095 && pipe.promoted.pruning().macsReduction() < 0.12,
                "one 10% step: " + pipe.promoted.pruning().macsReduction());
        Path file = pipe.artifact(pipe.promoted);
        assertEquals(pipe.promoted.sha256(), OnnxModels.sha256(file));
        assertTrue(pipe.promoted.validation().agreement() >= 0.90);
        // the gate's floor (gate.min-images, 200): it may stop at its first look past it
        assertTrue(pipe.promoted.validation().images() >= 200, "gate sample " + pipe.promoted.validation().images());
        assertTrue(pipe.promoted.validation().accuracy() > 0.7, "labels were used: " + pipe.promoted.validation().accuracy());
        assertEquals(6, pipe.promoted.pruning().keptWidths().size());
    }

    @Test
    void theCollectorSwapsToItAndItsPredictionsCarryTheNewVersion() throws Exception {
        PipelineTestBed.await(() -> PromotedPipeline.metric(pipe.collector, "vbp_collector_serving_model_info{model=\"fmnist-vit\",sha256=\""
                + pipe.promoted.sha256() + "\",version=\"" + pipe.promoted.version() + "\"}") == 1.0, "the collector serving it", 60);
        pipe.bed.sendImages(1500, 200);
        PipelineTestBed.await(() -> pipe.laterPredictions(1500, 1700).size() == 200, "predictions of the new images", 60);
        for (Prediction p : pipe.laterPredictions(1500, 1700)) {
            assertEquals(pipe.promoted.version(), p.version(), p.key());
        }
    }

    @Test
    void theArtifactAndTheGateAreReproducedOfflineFromTheSameStatistics() throws Exception {
        Path stats = pipe.statisticsUsed(pipe.promoted, "used.vbps");
        ModelStatistics ms = ModelStatistics.read(stats);
        ModelProto base = OnnxModels.read(PipelineTestBed.MODEL).model();
        assertEquals("reconstruction,uniform,macs-reduction=0.1,compensation=least-squares,ridge-alpha=0.001,min-keep=0.02,"
                + "width-multiple=1", pipe.promoted.pruning().policy());
        for (String block : ms.blocks().keySet()) {
            // the streamed covariance: enough samples for the pruner's covariance-n-min, never more than the moments
            assertTrue(ms.hasCoMoments(block), "co-moments of " + block + " in the statistics file");
            long co = ms.coMoments(block).count();
            assertTrue(co >= 8_192 && co <= ms.get(block).count(), block + ": " + co + " of " + ms.get(block).count());
        }
        Pruning.Result offline = Pruning.run(base, pipe.bed.base.sha256(), ms, new PruningPolicy(Criterion.RECONSTRUCTION,
                Allocation.UNIFORM, new PruningTarget.MacsReduction(0.1), Compensation.LEAST_SQUARES, 0.02, 0, 1, 1e-3), null);
        assertEquals(pipe.promoted.sha256(), OnnxModels.sha256(offline.model()), "the library gives the very same model");
        assertEquals(offline.report().macsReduction(), pipe.promoted.pruning().macsReduction(), 1e-12);

        // vbp eval: the parent and the pruned model on the images the gate used
        ModelCard card = ModelCard.read(PipelineTestBed.CARD);
        Preprocessor pre = new Preprocessor(card.input());
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.Limits.DEFAULT);
        List<float[]> xs = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> rec : pipe.bed.read(Topic.IMAGES)) {
            for (OffsetRange range : pipe.promoted.validation().sample()) {
                if (rec.partition() == range.partition() && rec.offset() >= range.from() && rec.offset() <= range.to()) {
                    float[] x = new float[pre.size()];
                    pre.image(decoder.decode(rec.value(), "image/png"), x, 0);
                    xs.add(x);
                }
            }
        }
        assertEquals(pipe.promoted.validation().images(), xs.size());
        int agree = 0;
        try (ModelSession a = new ModelSession(base); ModelSession b = new ModelSession(offline.model())) {
            for (float[] x : xs) {
                agree += argmax(a.logits(x, new long[]{1, 1, 28, 28})[0]) == argmax(b.logits(x, new long[]{1, 1, 28, 28})[0]) ? 1 : 0;
            }
        }
        assertEquals(pipe.promoted.validation().agreement(), (double) agree / xs.size(), 1e-12, "vbp eval agreement");
    }

    @Test
    void itsAccuracyMatchesTheOfflineLeastSquaresPruneFromTheSameStatistics() throws Exception {
        Path stats = pipe.statisticsUsed(pipe.promoted, "used-cli.vbps");
        Path cli = pipe.bed.dir.resolve("cli-least-squares.onnx");
        Path mean = pipe.bed.dir.resolve("cli-mean.onnx");
        assertEquals(0, VbpCli.run("prune", "--model", PipelineTestBed.MODEL.toString(), "--stats",
                stats.toString(), "--macs-reduction", "0.1", "--criterion", "reconstruction", "--compensation", "least-squares",
                "--out", cli.toString()));
        assertEquals(0, VbpCli.run("prune", "--model", PipelineTestBed.MODEL.toString(), "--stats",
                stats.toString(), "--macs-reduction", "0.1", "--compensation", "mean", "--out", mean.toString()));
        Path streamed = pipe.artifact(pipe.promoted);
        ImageSet test = PromotedPipeline.unseenTestImages();
        Preprocessor pre = new Preprocessor(ModelCard.read(PipelineTestBed.CARD).input());
        double streamedAccuracy = PromotedPipeline.accuracy(streamed, test, pre);
        double offlineAccuracy = PromotedPipeline.accuracy(cli, test, pre);
        double meanAccuracy = PromotedPipeline.accuracy(mean, test, pre);
        System.out.printf("test accuracy on 2000 unseen images: streamed reconstruction %.4f, offline reconstruction %.4f, "
                + "offline mean shift %.4f%n", streamedAccuracy, offlineAccuracy, meanAccuracy);
        assertEquals(offlineAccuracy, streamedAccuracy, 0.001,
                "within 0.1 point of vbp prune --criterion reconstruction --compensation least-squares");
        assertEquals(pipe.promoted.sha256(), OnnxModels.sha256(cli), "vbp prune gives the very same model");
        assertTrue(!OnnxModels.sha256(mean).equals(pipe.promoted.sha256()), "mean shift folds differently");
    }

    @Test
    void versionsAndReportsAreServed() throws Exception {
        var r = pipe.pruner.get("/models/fmnist-vit/versions/" + pipe.promoted.version());
        assertEquals(200, r.statusCode());
        JsonNode j = new ObjectMapper().readTree(r.body());
        assertEquals(pipe.promoted.sha256(), j.get("version").get("sha256").asText());
        assertEquals(6, j.get("report").get("blocks").size());
        assertEquals(200, pipe.pruner.get("/models").statusCode());
        assertTrue(pipe.pruner.metric("vbp_pruner_gate_verdicts_total{status=\"PROMOTED\"}") >= 1.0);
        assertEquals(0.0, pipe.pruner.metric("vbp_pruner_gate_verdicts_total{status=\"REJECTED\"}"));
        assertEquals(1.0, pipe.pruner.metric("vbp_pruner_promoted_info{application=\"pruner-service\",model=\"fmnist-vit\"}"));
    }

    /** The summary ./vbp-local prints at the end: every figure it promises, with the pipe.promoted version's values. */
    @Test
    void theSummaryStatesWhatThePromotionDid() throws Exception {
        var r = pipe.pruner.get("/models/fmnist-vit/summary");
        assertEquals(200, r.statusCode());
        String text = r.body();
        String current = text.substring(text.indexOf("promoted  fmnist-vit/") + "promoted  fmnist-vit/".length()).split(" ")[0];
        ModelVersion v = pipe.bed.versions().get(current);
        assertNotNull(v, "the summary names a version on model-versions: " + text);
        assertEquals(ModelVersion.Status.PROMOTED, v.status());
        Function<String, String> line = key -> text.lines().filter(l -> l.startsWith(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + key + "' line in\n" + text));
        assertTrue(line.apply("blocks").contains("mlp0:" + v.pruning().keptWidths().get("mlp0")), text);
        assertTrue(line.apply("MACs").contains(String.format(Locale.ROOT, "-%.1f%% from the parent",
                100 * v.pruning().macsReduction())), text);
        assertTrue(line.apply("params").contains(String.format(Locale.ROOT, "-%.1f%% from the parent",
                100 * v.pruning().paramsReduction())), text);
        assertTrue(line.apply("gate").contains(String.format(Locale.ROOT, "agreement %.4f", v.validation().agreement()))
                && line.apply("gate").contains(String.format(Locale.ROOT, "latency ratio %.3f",
                v.validation().latencyRatio())), text);
        assertTrue(line.apply("policy").contains("reconstruction,uniform,"), "the criterion used: " + text);
        assertTrue(line.apply("artifact").endsWith(v.sha256() + ".onnx"), text);
        assertTrue(line.apply("sha256").endsWith(v.sha256()), text);
    }

    private static int argmax(float[] v) {
        int b = 0;
        for (int i = 1; i < v.length; i++) {
            b = v[i] > v[b] ? i : b;
        }
        return b;
    }
}
