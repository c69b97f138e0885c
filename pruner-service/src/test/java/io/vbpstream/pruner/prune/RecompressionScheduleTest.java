package io.vbpstream.pruner.prune;

import io.vbpstream.core.prune.Allocation;
import io.vbpstream.core.prune.Compensation;
import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.prune.PruningTarget;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.pruner.PrunerConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecompressionScheduleTest {

    private static final long BASE_MACS = 1_000_000;
    private static final String SHA = "a".repeat(64);
    private static final String URI = "vbp-store:sha256/" + SHA + ".onnx";

    @Test
    void eachStepTakesTheBaseAStepFurtherUpToTheFinalTarget() {
        PrunerConfig.Policy p = policy(Criterion.VARIANCE, Compensation.LEAST_SQUARES, 0.10, 0.25);
        assertEquals(0.1, reduction(RecompressionSchedule.nextStep(p, base(), BASE_MACS)), 0.0,
                "the first step's policy is the number a person would type");
        // generation 1 at 90% of the base: to reach 20% of the base it removes 1 - 0.8/0.9 of its own MACs
        ModelVersion g1 = child(1, 900_000);
        assertEquals(Math.round((1 - 0.8 / 0.9) * 1e9) / 1e9, reduction(RecompressionSchedule.nextStep(p, g1, 900_000)), 0.0);
        // generation 2 at 80%: the final target 25% comes before a third full step
        assertEquals(Math.round((1 - 0.75 / 0.8) * 1e9) / 1e9, reduction(RecompressionSchedule.nextStep(p, child(2, 800_000),
                800_000)), 0.0);
        assertTrue(RecompressionSchedule.nextStep(p, child(3, 750_000), 750_000).isEmpty(), "the final target is reached");
        assertTrue(RecompressionSchedule.nextStep(p, child(3, 751_000), 751_000).isEmpty(), "within 0.1 point is reached");
        assertTrue(RecompressionSchedule.nextStep(p, child(3, 752_000), 752_000).isPresent(), "0.2 points short is not");
    }

    @Test
    void aPolicyThatCouldNeverPruneIsNamedAtStartUp() {
        assertNull(RecompressionSchedule.invalid(policy(Criterion.RECONSTRUCTION, Compensation.LEAST_SQUARES, 0.1, 0.35)));
        String why = RecompressionSchedule.invalid(policy(Criterion.RECONSTRUCTION, Compensation.MEAN, 0.1, 0.35));
        assertNotNull(why);
        assertTrue(why.startsWith("the pruning policy settings vbp.pruner.policy.* do not make a policy: "), why);
    }

    @Test
    void unsetTheCriterionIsReconstructionWithLeastSquaresAndVarianceOtherwise() {
        assertEquals(Criterion.RECONSTRUCTION, RecompressionSchedule.criterion(policy(null, Compensation.LEAST_SQUARES, 0.1, 0.35)));
        assertEquals(Criterion.VARIANCE, RecompressionSchedule.criterion(policy(null, Compensation.MEAN, 0.1, 0.35)));
        assertEquals(Criterion.VARIANCE, RecompressionSchedule.criterion(policy(null, Compensation.NONE, 0.1, 0.35)));
        assertEquals(Criterion.MAGNITUDE, RecompressionSchedule.criterion(policy(Criterion.MAGNITUDE, Compensation.LEAST_SQUARES, 0.1, 0.35)));
        assertNull(RecompressionSchedule.invalid(policy(null, Compensation.MEAN, 0.1, 0.35)), "unset never makes an invalid policy");
        assertEquals(Criterion.RECONSTRUCTION, RecompressionSchedule.nextStep(policy(null, Compensation.LEAST_SQUARES, 0.1, 0.35),
                base(), BASE_MACS).orElseThrow().criterion());
    }

    @Test
    void convergenceFollowsVarianceForTheReconstructionCriterion() {
        PruningPolicy r = RecompressionSchedule.nextStep(policy(Criterion.RECONSTRUCTION, Compensation.LEAST_SQUARES, 0.1,
                0.35), base(), BASE_MACS).orElseThrow();
        assertEquals(Criterion.VARIANCE, RecompressionSchedule.convergencePolicy(r).criterion());
        assertEquals(r.target(), RecompressionSchedule.convergencePolicy(r).target());
        PruningPolicy v = r.withCriterion(Criterion.WEIGHTED_VARIANCE);
        assertEquals(v, RecompressionSchedule.convergencePolicy(v));
    }

    private static double reduction(Optional<PruningPolicy> policy) {
        return ((PruningTarget.MacsReduction) policy.orElseThrow().target()).fraction();
    }

    private static ModelVersion base() {
        return ModelVersion.of("m", "base", URI, SHA, null, 0, "2026-12-04T00:00:00Z");
    }

    private static ModelVersion child(int generation, long macs) {
        ModelVersion.Pruning pruning = new ModelVersion.Pruning("p", Map.of(), Map.of(), macs, 1, BASE_MACS, 0.1, 0.1);
        return new ModelVersion(ModelVersion.SCHEMA, "m", "g" + generation, URI, SHA, "base", generation,
                "2026-12-04T00:00:00Z", ModelVersion.Status.PROMOTED, pruning, null, "2026-12-04T00:00:00Z", null);
    }

    private static PrunerConfig.Policy policy(Criterion criterion, Compensation compensation, double step, double target) {
        return new PrunerConfig.Policy() {
            public Optional<Criterion> criterion() { return Optional.ofNullable(criterion); }
            public Allocation allocation() { return Allocation.UNIFORM; }
            public Compensation compensation() { return compensation; }
            public double ridgeAlpha() { return 1e-3; }
            public double step() { return step; }
            public double finalTarget() { return target; }
            public double minKeepFraction() { return 0.02; }
            public int widthMultiple() { return 1; }
        };
    }
}
