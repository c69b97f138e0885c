package io.vbpstream.collector.pipeline;

import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ImageIntakeTest {

    private final Preprocessor gray = new Preprocessor(new ModelCard.Input("input", "NCHW", "grayscale", 4, 4,
            new ModelCard.Normalisation(1 / 255.0, List.of(0.5), List.of(0.5))));
    private final ImageIntake intake = new ImageIntake(new ImageDecoder.Limits(10_000, 64 * 64),
            new ImageIntake.RecordLimits(100, 200));

    @Test
    void writesTheNormalisedImageIntoItsSlot() throws IOException {
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSample(1, 0, 0, 255);
        float[] batch = new float[32];
        assertNull(intake.accept(png(img), "image/png", gray, batch, 16));
        assertEquals(-1.0f, batch[16], 1e-6);
        assertEquals(1.0f, batch[17], 1e-6);
        assertEquals(0.0f, batch[0], "the slot before is untouched");
    }

    @Test
    void keysAndHeadersAreBoundedBeforeTheImageIsLookedAt() {
        org.apache.kafka.common.header.internals.RecordHeaders small = new org.apache.kafka.common.header.internals.RecordHeaders();
        small.add("label", "7".getBytes());
        assertNull(intake.admit(100, small), "at the limits");
        assertNull(intake.admit(-1, new org.apache.kafka.common.header.internals.RecordHeaders()), "no key");
        assertEquals(ImageIntake.KEY_TOO_LARGE, intake.admit(101, small).reason());
        org.apache.kafka.common.header.internals.RecordHeaders large = new org.apache.kafka.common.header.internals.RecordHeaders();
        large.add("label", new byte[150]);
        large.add("content-type", new byte[40]);
        ImageIntake.Refusal r = intake.admit(10, large);
        assertEquals(ImageIntake.HEADER_TOO_LARGE, r.reason());
        assertEquals(true, r.detail().contains("vbp.collector.limits.max-header-bytes"), r.detail());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ImageIntake.RecordLimits(ImageIntake.RecordLimits.MAX_KEY_BYTES + 1, 100),
                "a bound that would let a dead letter outgrow its topic");
    }

    @Test
    void refusalsCarryTheReason() throws IOException {
        float[] batch = new float[16];
        assertEquals("UNDECODABLE", intake.accept(new byte[]{1, 2, 3}, null, gray, batch, 0).reason());
        assertEquals("UNDECODABLE", intake.accept(null, "image/png", gray, batch, 0).reason());
        assertEquals("UNSUPPORTED_CONTENT_TYPE", intake.accept(png(new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY)),
                "text/plain", gray, batch, 0).reason());
        assertEquals("TOO_LARGE_PIXELS", intake.accept(png(new BufferedImage(65, 64, BufferedImage.TYPE_BYTE_GRAY)),
                "image/png", gray, batch, 0).reason());
        assertEquals("TOO_LARGE_BYTES", intake.accept(new byte[10_001], "image/png", gray, batch, 0).reason());
        BufferedImage grayAlpha = javax.imageio.ImageTypeSpecifier.createInterleaved(
                java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_GRAY), new int[]{0, 1},
                java.awt.image.DataBuffer.TYPE_BYTE, true, false).createBufferedImage(4, 4);
        ImageIntake.Refusal r = intake.accept(png(grayAlpha), "image/png", gray, batch, 0);
        assertEquals("WRONG_CHANNELS", r.reason());
        assertEquals("2 channels; expected 1 (gray), 3 (RGB) or 4 (RGBA)", r.detail());
    }

    private static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
