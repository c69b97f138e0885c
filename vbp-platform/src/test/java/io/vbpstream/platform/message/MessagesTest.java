package io.vbpstream.platform.message;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessagesTest {

    private static final String SHA = "ab".repeat(32);

    @Test
    void modelVersionRoundTrips() {
        ModelVersion v = ModelVersion.of("fmnist-vit", "g1-3f2a", "vbp-store:sha256/" + SHA + ".onnx", SHA, "base", 1,
                "2026-11-27T10:00:00Z");
        assertEquals(v, ModelVersion.read(Messages.write(v)));
        assertTrue(Messages.writeString(v).contains("\"schema\":1"));
    }

    @Test
    void predictionRoundTripsAndLeavesOutNulls() {
        Prediction p = new Prediction(Prediction.SCHEMA, "k", "m", "v", List.of(new Prediction.Scored(3, "Dress", 0.9)),
                null, 2.5, 32, 10, new Prediction.Source("images", 2, 41));
        assertEquals(p, Prediction.read(Messages.write(p)));
        assertTrue(!Messages.writeString(p).contains("label\":null"));
    }

    @Test
    void unknownFieldsOfAKnownSchemaAreIgnored() {
        String json = "{\"schema\":1,\"model\":\"m\",\"version\":\"v\",\"uri\":\"u\",\"sha256\":\"" + SHA
                + "\",\"generation\":0,\"addedLater\":{\"x\":1}}";
        ModelVersion v = ModelVersion.read(json.getBytes(StandardCharsets.UTF_8));
        assertEquals("m", v.model());
        assertNull(v.parentVersion());
        assertEquals(ModelVersion.Status.PROMOTED, v.status(), "a record without a status is a promotion");
    }

    @Test
    void statusChangesKeepEverythingElse() {
        ModelVersion v = ModelVersion.of("m", "g1", "u", SHA, "base", 1, "2026-11-27T10:00:00Z");
        ModelVersion r = v.withStatus(ModelVersion.Status.REJECTED, "2026-11-27T11:00:00Z");
        assertEquals(ModelVersion.Status.REJECTED, r.status());
        assertEquals("2026-11-27T11:00:00Z", r.updatedAt());
        assertEquals(v.sha256(), r.sha256());
        assertEquals("m/g1", r.key());
        assertEquals(r, ModelVersion.read(Messages.write(r)));
    }

    @Test
    void whetherAVersionsCoMomentsAreWantedRoundTripsAndDefaultsToWanted() {
        ModelVersion v = ModelVersion.of("m", "g2", "u", SHA, "g1", 2, "2026-12-04T10:00:00Z");
        assertTrue(v.wantsCovariance(), "a record without the field (written before it) is wanted");
        ModelVersion atTarget = v.withCovariance(false);
        assertFalse(atTarget.wantsCovariance());
        assertEquals(atTarget, ModelVersion.read(Messages.write(atTarget)));
        assertTrue(Messages.writeString(atTarget).contains("\"covariance\":false"));
        ModelVersion rejected = atTarget.withStatus(ModelVersion.Status.REJECTED, "2026-12-04T11:00:00Z");
        assertFalse(rejected.wantsCovariance(), "a status change keeps it");
        assertEquals(v.updatedAt(), atTarget.updatedAt(), "saying it again is not a status change");
    }

    @Test
    void eachKindOfBadMessageIsRefusedWithItsReason() {
        assertReason(MessageFormatException.Reason.MALFORMED, "");
        assertReason(MessageFormatException.Reason.MALFORMED, "{not json");
        assertReason(MessageFormatException.Reason.MALFORMED, "[1,2]");
        assertReason(MessageFormatException.Reason.MALFORMED, "{\"model\":\"m\"}");
        assertReason(MessageFormatException.Reason.MALFORMED, "{\"schema\":\"one\"}");
        assertReason(MessageFormatException.Reason.UNKNOWN_SCHEMA, "{\"schema\":2,\"model\":\"m\"}");
        assertReason(MessageFormatException.Reason.INVALID_FIELD,
                "{\"schema\":1,\"model\":\"m\",\"version\":\"v\",\"uri\":\"u\",\"sha256\":\"xyz\",\"generation\":0}");
        assertReason(MessageFormatException.Reason.INVALID_FIELD,
                "{\"schema\":1,\"model\":\"../etc\",\"version\":\"v\",\"uri\":\"u\",\"sha256\":\"" + SHA + "\",\"generation\":0}");
        assertReason(MessageFormatException.Reason.INVALID_FIELD,
                "{\"schema\":1,\"model\":\"m\",\"version\":\"v\",\"uri\":\"u\",\"sha256\":\"" + SHA + "\",\"generation\":-1}");
        assertReason(MessageFormatException.Reason.MALFORMED,
                "{\"schema\":1,\"model\":\"m\",\"version\":\"v\",\"uri\":\"u\",\"sha256\":\"" + SHA + "\",\"generation\":\"x\"}");
    }

    @Test
    void offsetRangesAreValidated() {
        assertEquals(5, new OffsetRange("images", 0, 10, 14).count());
        assertThrows(IllegalArgumentException.class, () -> new OffsetRange("images", 0, 10, 9));
        assertThrows(IllegalArgumentException.class, () -> new OffsetRange("images", 0, -1, 3));
    }

    private static void assertReason(MessageFormatException.Reason reason, String json) {
        MessageFormatException e = assertThrows(MessageFormatException.class,
                () -> ModelVersion.read(json.getBytes(StandardCharsets.UTF_8)), json);
        assertEquals(reason, e.reason(), json + " -> " + e.getMessage());
    }
}
