package io.vbpstream.pruner;

import io.vbpstream.core.prune.Allocation;
import io.vbpstream.core.prune.Compensation;
import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.prune.PruningTarget;
import io.vbpstream.pruner.prune.PolicyRequest;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyRequestTest {

    @Test
    void defaultsAreVarianceUniformMeanShift() {
        PruningPolicy p = new PolicyRequest(null, null, null, null, 0.2, null, null).toPolicy();
        assertEquals(Criterion.VARIANCE, p.criterion());
        assertEquals(Allocation.UNIFORM, p.allocation());
        assertEquals(new PruningTarget.MacsReduction(0.2), p.target());
        assertEquals(PruningPolicy.DEFAULT_MIN_KEEP, p.minKeepFraction());
        assertEquals(Compensation.MEAN, p.compensation());
        assertEquals(0L, p.seed());
        assertEquals(1, p.widthMultiple());
        assertEquals(PruningPolicy.DEFAULT_RIDGE, p.ridge());
    }

    @Test
    void defaultCompensationFollowsTheCoMoments() {
        PolicyRequest r = new PolicyRequest(null, null, null, 0.3, null, null, null);
        assertEquals(Compensation.LEAST_SQUARES, r.withDefaultCompensation(true).toPolicy().compensation());
        assertEquals(Compensation.MEAN, r.withDefaultCompensation(false).toPolicy().compensation());
        PolicyRequest none = new PolicyRequest(null, null, "none", 0.3, null, null, null);
        assertEquals(Compensation.NONE, none.withDefaultCompensation(true).toPolicy().compensation());
        // the criterion follows the compensation: reconstruction with least squares, variance otherwise
        assertEquals(Criterion.RECONSTRUCTION, r.withDefaultCompensation(true).toPolicy().criterion());
        assertEquals(Criterion.VARIANCE, r.withDefaultCompensation(false).toPolicy().criterion());
        assertEquals(Criterion.VARIANCE, none.withDefaultCompensation(true).toPolicy().criterion());
        // a configured criterion comes first; one in the request before both
        assertEquals(Criterion.VARIANCE, r.withDefaultCompensation(true).withDefaultCriterion(Optional.of(Criterion.VARIANCE))
                .toPolicy().criterion());
        assertEquals(Criterion.MAGNITUDE, new PolicyRequest("magnitude", null, null, 0.3, null, null, null)
                .withDefaultCriterion(Optional.of(Criterion.VARIANCE)).toPolicy().criterion());
    }

    @Test
    void badPoliciesSayWhatIsWrong() {
        assertMessage("exactly one of", new PolicyRequest(null, null, null, null, null, null, null));
        assertMessage("exactly one of", new PolicyRequest(null, null, null, 0.1, 0.1, null, null));
        assertMessage("ratio must be in (0, 1)", new PolicyRequest(null, null, null, 1.0, null, null, null));
        assertMessage("macsReduction must be in (0, 1)", new PolicyRequest(null, null, null, null, -0.1, null, null));
        assertMessage("allocation must be", new PolicyRequest(null, "sideways", null, 0.1, null, null, null));
        assertMessage("unknown criterion", new PolicyRequest("vibes", null, null, 0.1, null, null, null));
        assertMessage("min-keep", new PolicyRequest(null, null, null, 0.1, null, 2.0, null));
    }

    private static void assertMessage(String part, PolicyRequest r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::toPolicy);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
