package io.vbpstream.e2e;

import io.vbpstream.core.cli.VbpCli;
import io.vbpstream.core.data.ImageSet;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.stats.ModelStatistics;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.testbed.PipelineTestBed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Continuous recompression of the shared pipeline ({@link PromotedPipeline}) to its final target, last of the four
 * classes on it: it moves the pipeline on to the second generation, and stops the pipeline when it is done.
 */
@Order(4)
class RecompressionChainIT {

    private static PromotedPipeline pipe;

    @BeforeAll
    static void pipeline() throws Exception {
        pipe = PromotedPipeline.shared();
    }

    @AfterAll
    static void stop() throws Exception {
        PromotedPipeline.release();
    }

    /**
     * Continuous recompression to the final target (two 10% steps): the second step's artifact is reproduced bit for
     * bit by {@code vbp prune} on the first step's artifact from the statistics file the second was pruned with
     * (gathered under the first), so the chain's last version is the offline stepwise result, and so is its accuracy
     * on images the pipeline never saw.
     */
    @Test
    // last: the classes before it look at the first generation while it is served
    void theChainReachesTheFinalTargetAndItsLastVersionIsTheOfflineStepwisePrune() throws Exception {
        pipe.bed.sendImagesPaced(1700, 3000, 100, 400);
        PipelineTestBed.await(() -> pipe.secondGeneration().isPresent(), "a promoted second generation", 180);
        ModelVersion last = pipe.secondGeneration().orElseThrow();
        assertEquals(pipe.promoted.version(), last.parentVersion());
        double cumulative = 1.0 - (double) last.pruning().macs() / last.pruning().baseMacs();
        assertTrue(cumulative >= 0.195 && cumulative < 0.22, "the final target, 20% of the base's MACs: " + cumulative);
        assertTrue(pipe.promoted.wantsCovariance(), "the first step is pruned from: its co-moments are wanted");
        assertFalse(last.wantsCovariance(), "the final target is pruned from no more: " + last);
        theFinalVersionIsServedWithoutCoMoments(last);
        String policy = last.pruning().policy();
        assertTrue(policy.startsWith("reconstruction,uniform,macs-reduction="), policy);
        String fromParent = policy.substring(policy.indexOf("macs-reduction=") + "macs-reduction=".length()).split(",")[0];

        Path parentFile = pipe.artifact(pipe.promoted);
        Path stats = pipe.statisticsUsed(last, "used-g2.vbps");
        assertEquals(pipe.promoted.sha256(), ModelStatistics.read(stats).modelSha256(),
                "the second step's statistics were gathered under the first step's model");
        Path offline = pipe.bed.dir.resolve("cli-stepwise-g2.onnx");
        assertEquals(0, VbpCli.run("prune", "--model", parentFile.toString(), "--stats",
                stats.toString(), "--macs-reduction", fromParent, "--criterion", "reconstruction", "--compensation",
                "least-squares", "--out", offline.toString()));
        assertEquals(last.sha256(), OnnxModels.sha256(offline), "vbp prune of the first step gives the very same model");
        Path streamed = pipe.artifact(last);
        ImageSet test = PromotedPipeline.unseenTestImages();
        Preprocessor pre = new Preprocessor(ModelCard.read(PipelineTestBed.CARD).input());
        double streamedAccuracy = PromotedPipeline.accuracy(streamed, test, pre);
        double offlineAccuracy = PromotedPipeline.accuracy(offline, test, pre);
        System.out.printf("final target %s: test accuracy on 2000 unseen images: streamed chain %.4f, offline stepwise %.4f%n",
                last.version(), streamedAccuracy, offlineAccuracy);
        assertEquals(offlineAccuracy, streamedAccuracy, 0.001, "within 0.1 point of the offline stepwise prune");
    }

    /**
     * Once the final version serves, the collector samples no tokens for it: 300 more images are predicted by it and
     * not one batch of theirs gathers co-moments (while every batch of the generations before did).
     */
    private static void theFinalVersionIsServedWithoutCoMoments(ModelVersion last) throws Exception {
        String served = "vbp_collector_serving_model_info{model=\"fmnist-vit\",sha256=\"" + last.sha256() + "\"}";
        PipelineTestBed.await(() -> PromotedPipeline.metric(pipe.collector, served) == 1.0, "the final version served", 120);
        PipelineTestBed.await(() -> pipe.laterPredictions(0, 5000).stream().anyMatch(p -> p.version().equals(last.version())),
                "a prediction by the final version", 120);
        double batches = PromotedPipeline.metric(pipe.collector, "vbp_collector_comoments_batches_total");
        assertTrue(batches > 0, "the generations before gathered co-moments");
        pipe.bed.sendImages(4700, 300); // sent before (StatusPageIT), when the first generation served them
        PipelineTestBed.await(() -> pipe.laterPredictions(4700, 5000).stream()
                .filter(p -> p.version().equals(last.version())).count() == 300, "300 more predictions by it", 120);
        assertEquals(batches, PromotedPipeline.metric(pipe.collector, "vbp_collector_comoments_batches_total"),
                "no batch of the final version gathered co-moments");
    }

}
