package io.vbpstream.core.store;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ArtifactRefTest {

    private static final String SHA = "0123456789abcdef".repeat(4);

    @Test
    void anAddressNamesItsSha256AndBack() {
        assertEquals("vbp-store:sha256/" + SHA + ".onnx", ArtifactRef.address(SHA).toString());
        assertEquals(Optional.of(SHA), ArtifactRef.sha256Of(ArtifactRef.address(SHA).toString()));
    }

    @Test
    void anythingElseNamesNoSha256() {
        for (String uri : new String[] {null, "", "sha256/" + SHA + ".onnx", "file:sha256/" + SHA + ".onnx",
                "vbp-store:sha256/" + SHA.toUpperCase() + ".onnx", "vbp-store:sha256/" + SHA.substring(1) + ".onnx",
                "vbp-store:sha256/" + SHA + ".onnx#x", "vbp-store:sha256/../" + SHA + ".onnx",
                "vbp-store:sha256/" + SHA + ".onnx.tmp", "vbp-store:statistics/" + SHA + ".onnx"}) {
            assertEquals(Optional.empty(), ArtifactRef.sha256Of(uri), String.valueOf(uri));
        }
    }
}
