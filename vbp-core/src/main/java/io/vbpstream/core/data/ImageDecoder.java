package io.vbpstream.core.data;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;

/**
 * Decodes PNG and JPEG bytes defensively: the byte size, the format (from the bytes, checked against a declared
 * content type) and the pixel dimensions (read from the header, before any pixel is decoded, so a decompression bomb
 * is refused cheaply) are all checked. Failures are {@link RejectedImageException}s with a reason.
 */
public final class ImageDecoder {

    /** Limits on what is decoded. */
    public record Limits(int maxBytes, long maxPixels) {
        public static final Limits DEFAULT = new Limits(4 << 20, 4096L * 4096L);
    }

    private final Limits limits;

    public ImageDecoder(Limits limits) {
        this.limits = limits;
    }

    /** Decodes an image; {@code contentType} may be null, in which case the format is taken from the bytes. */
    public BufferedImage decode(byte[] bytes, String contentType) {
        if (bytes == null || bytes.length == 0) {
            throw new RejectedImageException(RejectedImageException.Reason.UNDECODABLE, "empty payload");
        }
        if (bytes.length > limits.maxBytes()) {
            throw new RejectedImageException(RejectedImageException.Reason.TOO_LARGE_BYTES,
                    bytes.length + " bytes exceed the limit of " + limits.maxBytes());
        }
        String sniffed = sniff(bytes);
        if (contentType != null) {
            String declared = contentType.toLowerCase(Locale.ROOT).split(";")[0].trim();
            String expected = switch (declared) {
                case "image/png" -> "png";
                case "image/jpeg", "image/jpg" -> "jpeg";
                default -> throw new RejectedImageException(RejectedImageException.Reason.UNSUPPORTED_CONTENT_TYPE,
                        "content type '" + contentType + "' is not image/png or image/jpeg");
            };
            if (sniffed == null || !sniffed.equals(expected)) {
                throw new RejectedImageException(RejectedImageException.Reason.UNDECODABLE,
                        "bytes are not a " + expected + " image (declared " + contentType + ")");
            }
        } else if (sniffed == null) {
            throw new RejectedImageException(RejectedImageException.Reason.UNDECODABLE, "bytes are neither PNG nor JPEG");
        }
        try (ImageInputStream in = new javax.imageio.stream.MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(sniffed);
            if (!readers.hasNext()) {
                throw new RejectedImageException(RejectedImageException.Reason.UNDECODABLE, "no decoder for " + sniffed);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w <= 0 || h <= 0 || w * h > limits.maxPixels()) {
                    throw new RejectedImageException(RejectedImageException.Reason.TOO_LARGE_PIXELS,
                            w + "x" + h + " pixels exceed the limit of " + limits.maxPixels());
                }
                BufferedImage img = reader.read(0);
                if (img == null) {
                    throw new RejectedImageException(RejectedImageException.Reason.UNDECODABLE, "decoder returned no image");
                }
                return img;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof RejectedImageException r) {
                throw r;
            }
            throw new RejectedImageException(RejectedImageException.Reason.UNDECODABLE,
                    "corrupt " + sniffed + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }

    /** "png", "jpeg" or null, from the file signature. */
    static String sniff(byte[] b) {
        if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return "png";
        }
        if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) {
            return "jpeg";
        }
        return null;
    }
}
