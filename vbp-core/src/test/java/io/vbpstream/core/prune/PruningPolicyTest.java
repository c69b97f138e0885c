package io.vbpstream.core.prune;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PruningPolicyTest {

    /** The user-visible defaults of the CLI, the REST body and the configuration: changing one is a visible change. */
    @Test
    void defaultsAreVarianceUniformWidthOneSeedZero() {
        assertEquals(Criterion.VARIANCE, PruningPolicy.DEFAULT_CRITERION);
        assertEquals(Allocation.UNIFORM, PruningPolicy.DEFAULT_ALLOCATION);
        assertEquals(1, PruningPolicy.DEFAULT_WIDTH_MULTIPLE);
        assertEquals(0L, PruningPolicy.DEFAULT_SEED);
        assertEquals(0.02, PruningPolicy.DEFAULT_MIN_KEEP);
        assertEquals(1e-3, PruningPolicy.DEFAULT_RIDGE);
    }

    @Test
    void textFormsAreTheIds() {
        assertEquals(PruningPolicy.DEFAULT_CRITERION.id(), PruningPolicy.DEFAULT_CRITERION_TEXT);
        assertEquals(PruningPolicy.DEFAULT_ALLOCATION.id(), PruningPolicy.DEFAULT_ALLOCATION_TEXT);
        assertEquals(String.valueOf(PruningPolicy.DEFAULT_WIDTH_MULTIPLE), PruningPolicy.DEFAULT_WIDTH_MULTIPLE_TEXT);
        assertEquals(String.valueOf(PruningPolicy.DEFAULT_SEED), PruningPolicy.DEFAULT_SEED_TEXT);
    }

    @Test
    void shortFormsTakeTheDefaults() {
        PruningTarget t = new PruningTarget.NeuronRatio(0.5);
        PruningPolicy p = PruningPolicy.of(Criterion.MAGNITUDE, Allocation.GLOBAL, t, Compensation.NONE);
        assertEquals(PruningPolicy.DEFAULT_MIN_KEEP, p.minKeepFraction());
        assertEquals(PruningPolicy.DEFAULT_SEED, p.seed());
        assertEquals(PruningPolicy.DEFAULT_WIDTH_MULTIPLE, p.widthMultiple());
        assertEquals(PruningPolicy.DEFAULT_RIDGE, p.ridge());
        PruningPolicy q = new PruningPolicy(Criterion.RANDOM, Allocation.UNIFORM, t, Compensation.MEAN, 0.1, 7);
        assertEquals(PruningPolicy.DEFAULT_WIDTH_MULTIPLE, q.widthMultiple());
        assertEquals(PruningPolicy.DEFAULT_RIDGE, q.ridge());
    }
}
