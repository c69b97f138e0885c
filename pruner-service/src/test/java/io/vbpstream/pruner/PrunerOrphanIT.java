package io.vbpstream.pruner;

import io.vbpstream.testbed.PipelineTestBed;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.message.ModelVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15, scenario 2: a pruner that dies between a candidate's CANDIDATE record and its verdict (SIGKILL, a SIGTERM
 * while a gate outlives the shutdown, an OutOfMemoryError, a failed publish) left the candidate CANDIDATE for ever, and
 * its parent was never pruned again. The topic here holds what such a pruner leaves behind: the served base, a
 * candidate of it with no verdict (its artifact in the store), and a candidate of a version that is no longer served.
 * The pruner started on it settles both at its first checks: the first is validated again and gets its verdict, the
 * second is rejected with the reason; the status page and the metric say so.
 */
class PrunerOrphanIT {

    private static PipelineTestBed bed;
    private static ServiceProcess pruner;
    private static long settledAfterMs;

    @BeforeAll
    static void run() throws Exception {
        bed = new PipelineTestBed();
        String now = Instant.now().toString();
        ModelVersion base = ModelVersion.of("fmnist-vit", "base", bed.base.uri().toString(), bed.base.sha256(), null, 0, now);
        ModelVersion.Pruning pruning = new ModelVersion.Pruning("variance,global,macs-reduction=0.1", Map.of(), Map.of(),
                1, 1, 1, 0.1, 0.1);
        bed.publish(base);
        // the candidate's artifact is the base's own file: a model the store holds, which the gate can run
        bed.publish(new ModelVersion(ModelVersion.SCHEMA, "fmnist-vit", "g1-orphan", bed.base.uri().toString(),
                bed.base.sha256(), "base", 1, now, ModelVersion.Status.CANDIDATE, pruning, null, now, null));
        bed.publish(new ModelVersion(ModelVersion.SCHEMA, "fmnist-vit", "g1-stale", bed.base.uri().toString(),
                bed.base.sha256(), "superseded", 1, now, ModelVersion.Status.CANDIDATE, pruning, null, now, null));
        bed.sendImages(0, 400); // the gate's sample: no predictions yet, so it reads images and runs both models
        pruner = bed.pruner(0.9);
        long ready = System.nanoTime();
        PipelineTestBed.await(() -> {
            Map<String, ModelVersion> v = bed.versions();
            return v.get("g1-orphan").status() != ModelVersion.Status.CANDIDATE
                    && v.get("g1-stale").status() != ModelVersion.Status.CANDIDATE;
        }, "verdicts for both candidates", 60);
        settledAfterMs = (System.nanoTime() - ready) / 1_000_000;
        System.out.printf("both orphaned candidates settled %d ms after the pruner started%n", settledAfterMs);
    }

    @AfterAll
    static void stop() throws Exception {
        if (pruner != null) {
            pruner.close();
        }
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void aCandidateWithoutAVerdictIsValidatedAgainAndOneOfAnUnservedParentIsRejected() throws Exception {
        Map<String, ModelVersion> v = bed.versions();
        ModelVersion resumed = v.get("g1-orphan");
        assertEquals(ModelVersion.Status.PROMOTED, resumed.status(), "the same model as its parent passes the gate");
        assertNotNull(resumed.validation());
        assertEquals(1.0, resumed.validation().agreement(), 0.0);
        assertTrue(resumed.validation().images() >= 200, resumed.validation().images() + " images");
        assertEquals("base", resumed.parentVersion());

        ModelVersion stale = v.get("g1-stale");
        assertEquals(ModelVersion.Status.REJECTED, stale.status());
        assertTrue(stale.validation().reason().contains("orphaned candidate: its parent superseded is no longer the served"),
                stale.validation().reason());
        assertEquals("superseded", stale.parentVersion(), "the verdict keeps the candidate's own parent");

        assertEquals(1.0, pruner.metric("vbp_pruner_orphaned_candidates_total{outcome=\"resumed\"}"));
        assertEquals(1.0, pruner.metric("vbp_pruner_orphaned_candidates_total{outcome=\"rejected\"}"));
        assertTrue(pruner.log().contains("g1-orphan has no verdict and no gate is running on it"), "said in the log");
        String page = pruner.get("/").body();
        assertTrue(page.contains("orphaned candidate: its parent superseded"), "the status page shows the reason");
    }
}
