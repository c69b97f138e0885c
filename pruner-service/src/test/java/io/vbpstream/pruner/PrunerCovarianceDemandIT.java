package io.vbpstream.pruner;

import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.testbed.PipelineTestBed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The served version's record says whether collectors gather its co-moments, and the pruner keeps it true to its
 * schedule: a record that says "not wanted" for a version a step is still pruned from (the final target was raised
 * since it was written) is published again as wanted, and one that says nothing for a version at the final target (it
 * predates the field) is published again as not wanted. Same status and time each; nothing else changes. The test
 * pruner steps 10% to a final target of 10%.
 */
class PrunerCovarianceDemandIT {

    private static final String AT = "2026-12-04T10:00:00Z";

    private static PipelineTestBed bed;
    private static ServiceProcess pruner;

    @BeforeAll
    static void start() throws Exception {
        bed = new PipelineTestBed();
        bed.publish(ModelVersion.of("fmnist-vit", "base", bed.base.uri().toString(), bed.base.sha256(), null, 0, AT)
                .withCovariance(false));
        pruner = bed.pruner(0.9);
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
    void theServedVersionsRecordIsMadeToSayWhetherItsCoMomentsAreWanted() throws Exception {
        PipelineTestBed.await(() -> bed.versions().get("base").wantsCovariance(), "the base said wanted again", 60);
        ModelVersion base = bed.versions().get("base");
        assertEquals(ModelVersion.Status.PROMOTED, base.status());
        assertEquals(AT, base.updatedAt(), "not a status change");

        // a first generation far past the final target (its base had 2^40 MACs), written before the field existed
        ModelVersion.Pruning pruning = new ModelVersion.Pruning("variance,global,macs-reduction=0.1", Map.of(), Map.of(),
                1, 1, 1L << 40, 0.1, 0.1);
        bed.publish(new ModelVersion(ModelVersion.SCHEMA, "fmnist-vit", "g1-final", bed.base.uri().toString(),
                bed.base.sha256(), "base", 1, AT, ModelVersion.Status.PROMOTED, pruning, null, AT, null));
        PipelineTestBed.await(() -> !bed.versions().get("g1-final").wantsCovariance(), "g1-final said not wanted", 60);
        ModelVersion last = bed.versions().get("g1-final");
        assertEquals(ModelVersion.Status.PROMOTED, last.status());
        assertEquals(AT, last.updatedAt());
        assertFalse(last.covariance());
        assertTrue(bed.versions().get("base").wantsCovariance(), "the superseded base is left as it was");
        assertTrue(pruner.log().contains("fmnist-vit/g1-final: collectors no longer gather its co-moments"), "logged");
    }
}
