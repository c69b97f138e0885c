package io.vbpstream.platform.message;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class VersionRetentionTest {

    private static final String SHA = "a".repeat(64);
    private static final Instant T0 = Instant.parse("2026-12-02T00:00:00Z");
    private static final Duration GRACE = Duration.ofMinutes(5);

    private static ModelVersion v(String name, String parent, int generation, ModelVersion.Status status, Instant at) {
        return ModelVersion.of("m", name, "vbp-store:sha256/" + SHA + ".onnx", SHA, parent, generation, T0.toString())
                .withStatus(status, at.toString());
    }

    @Test
    void keepsTheServedVersionItsParentAndCandidatesOnceTheGraceHasPassed() {
        List<ModelVersion> chain = List.of(
                v("base", null, 0, ModelVersion.Status.PROMOTED, T0),
                v("g1", "base", 1, ModelVersion.Status.PROMOTED, T0.plusSeconds(600)),
                v("g2x", "g1", 2, ModelVersion.Status.REJECTED, T0.plusSeconds(900)),
                v("g2", "g1", 2, ModelVersion.Status.PROMOTED, T0.plusSeconds(1200)),
                v("g3", "g2", 3, ModelVersion.Status.CANDIDATE, T0.plusSeconds(1500)));
        assertEquals(Set.of(), VersionRetention.retired(chain, T0.plusSeconds(1200 + 299), GRACE),
                "g2 promoted 299 s ago: the collectors may still send g1's last windows");
        assertEquals(Set.of("base", "g2x"), VersionRetention.retired(chain, T0.plusSeconds(1200 + 300), GRACE),
                "g2 serves, g1 is what a rollback returns to, g3 is being validated");
    }

    @Test
    void aRollbackServesTheParentAgainAndRetiresTheRolledBackChild() {
        List<ModelVersion> chain = List.of(
                v("base", null, 0, ModelVersion.Status.PROMOTED, T0),
                v("g1", "base", 1, ModelVersion.Status.PROMOTED, T0.plusSeconds(600)),
                v("g2", "g1", 2, ModelVersion.Status.ROLLED_BACK, T0.plusSeconds(1800)),
                v("g1", "base", 1, ModelVersion.Status.PROMOTED, T0.plusSeconds(1800)));
        // the compacted topic keeps the latest record per key: g1's re-promotion replaces its first
        List<ModelVersion> latest = List.of(chain.get(0), chain.get(2), chain.get(3));
        assertEquals(Set.of("g2"), VersionRetention.retired(latest, T0.plusSeconds(3600), GRACE));
    }

    @Test
    void nothingIsRetiredWithoutAServedVersionWhoseTimeCanBeRead() {
        assertEquals(Set.of(), VersionRetention.retired(List.of(
                v("g1", "base", 1, ModelVersion.Status.CANDIDATE, T0)), T0.plusSeconds(3600), GRACE));
        ModelVersion unreadable = ModelVersion.of("m", "base", "vbp-store:sha256/" + SHA + ".onnx", SHA, null, 0, "yesterday");
        assertEquals(Set.of(), VersionRetention.retired(List.of(unreadable,
                v("old", null, 0, ModelVersion.Status.ROLLED_BACK, T0)), T0.plusSeconds(3600), GRACE));
    }
}
