package io.vbpstream.collector.model;

import io.vbpstream.platform.message.ModelVersion;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CoMomentsDemandTest {

    private static final String SHA = "cd".repeat(32);
    private static final String AT = "2026-12-04T10:00:00Z";

    private static ModelVersion version(String name, String parent, int generation, ModelVersion.Status status) {
        return ModelVersion.of("m", name, "vbp-store:sha256/" + SHA + ".onnx", SHA, parent, generation, AT)
                .withStatus(status, AT);
    }

    @Test
    void aServedVersionIsWantedUntilACandidateOfItsOpensAndAgainOnceItIsRejected() {
        CoMomentsDemand demand = new CoMomentsDemand();
        ModelVersion base = version("base", null, 0, ModelVersion.Status.PROMOTED);
        assertTrue(demand.wants(base), "nothing read yet: the record's own word, wanted by default");
        demand.observe(base);
        assertTrue(demand.wants(base));
        ModelVersion child = version("g1", "base", 1, ModelVersion.Status.CANDIDATE);
        demand.observe(child);
        assertFalse(demand.wants(base), "the pruner has taken base's covariance and validates g1");
        assertTrue(demand.unwantedBecause(base).contains("g1"), demand.unwantedBecause(base));
        demand.observe(version("other", "elsewhere", 1, ModelVersion.Status.CANDIDATE));
        demand.observe(child.withStatus(ModelVersion.Status.REJECTED, AT));
        assertTrue(demand.wants(base), "g1 rejected: base may be pruned from again; another parent's candidate is not base's");
        demand.observe(child.withStatus(ModelVersion.Status.PROMOTED, AT));
        assertFalse(demand.wants(base), "g1 promoted: base is about to be swapped out");
        demand.observe(child.withStatus(ModelVersion.Status.ROLLED_BACK, AT));
        demand.observe(base.withStatus(ModelVersion.Status.PROMOTED, AT));
        assertTrue(demand.wants(base), "g1 rolled back: base serves again, and is pruned from again");
    }

    @Test
    void aVersionAtTheFinalTargetIsNotWantedUntilItsRecordSaysSoAgain() {
        CoMomentsDemand demand = new CoMomentsDemand();
        ModelVersion last = version("g2", "g1", 2, ModelVersion.Status.PROMOTED).withCovariance(false);
        assertFalse(demand.wants(last), "the served record's own word");
        ModelVersion legacy = version("g2", "g1", 2, ModelVersion.Status.PROMOTED);
        demand.observe(last);
        assertFalse(demand.wants(legacy), "the latest record read wins over the one the model was loaded with");
        demand.observe(last.withCovariance(true)); // the final target was raised, the pruner says it again
        assertTrue(demand.wants(last));
    }
}
