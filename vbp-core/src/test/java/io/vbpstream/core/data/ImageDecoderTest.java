package io.vbpstream.core.data;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ImageDecoderTest {

    private final ImageDecoder decoder = new ImageDecoder(new ImageDecoder.Limits(64 * 1024, 256 * 256));

    static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, format, out);
        return out.toByteArray();
    }

    private RejectedImageException.Reason reason(byte[] bytes, String type) {
        return assertThrows(RejectedImageException.class, () -> decoder.decode(bytes, type)).reason();
    }

    @Test
    void decodesPngAndJpeg() throws IOException {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSample(3, 4, 0, 200);
        BufferedImage png = decoder.decode(encode(img, "png"), "image/png");
        assertEquals(200, png.getRaster().getSample(3, 4, 0));
        BufferedImage jpeg = decoder.decode(encode(img, "jpeg"), "image/jpeg; q=0.9");
        assertEquals(28, jpeg.getWidth());
        assertEquals(28, decoder.decode(encode(img, "png"), null).getHeight());
    }

    @Test
    void refusesBadInputWithAReason() throws IOException {
        byte[] png = encode(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), "png");
        assertEquals(RejectedImageException.Reason.UNDECODABLE, reason(new byte[0], null));
        assertEquals(RejectedImageException.Reason.UNDECODABLE, reason("hello".getBytes(), null));
        assertEquals(RejectedImageException.Reason.UNDECODABLE, reason(Arrays.copyOf(png, png.length / 2), "image/png"));
        assertEquals(RejectedImageException.Reason.UNDECODABLE, reason(png, "image/jpeg"));
        assertEquals(RejectedImageException.Reason.UNSUPPORTED_CONTENT_TYPE, reason(png, "image/gif"));
        assertEquals(RejectedImageException.Reason.TOO_LARGE_BYTES, reason(new byte[64 * 1024 + 1], "image/png"));
    }

    @Test
    void refusesADecompressionBombFromItsHeaderAlone() throws IOException {
        byte[] png = encode(new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY), "png");
        // rewrite IHDR to claim 50000 x 50000 pixels (a few hundred bytes claiming 2.5 gigapixels), fixing its CRC
        ByteBuffer b = ByteBuffer.wrap(png);
        b.putInt(16, 50_000).putInt(20, 50_000);
        CRC32 crc = new CRC32();
        crc.update(png, 12, 17);
        b.putInt(29, (int) crc.getValue());
        assertEquals(RejectedImageException.Reason.TOO_LARGE_PIXELS, reason(png, "image/png"));
    }
}
