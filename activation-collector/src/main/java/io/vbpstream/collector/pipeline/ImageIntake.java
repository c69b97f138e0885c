package io.vbpstream.collector.pipeline;

import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.data.RejectedImageException;

import java.awt.image.BufferedImage;

/**
 * Checks, decodes and preprocesses one image record into its slot of a batch, or says why it cannot: the reason
 * becomes the dead-letter header. Nothing here throws on bad bytes.
 */
public final class ImageIntake {

    /** Why an image is refused, as written to the dead-letter header. */
    public record Refusal(String reason, String detail) {
    }

    private final ImageDecoder decoder;

    public ImageIntake(ImageDecoder.Limits limits) {
        this.decoder = new ImageDecoder(limits);
    }

    /**
     * Decodes {@code bytes} and writes the model input into {@code dst} at {@code offset}.
     *
     * @return null when the image was written, else the refusal
     */
    public Refusal accept(byte[] bytes, String contentType, Preprocessor preprocessor, float[] dst, int offset) {
        try {
            BufferedImage img = decoder.decode(bytes, contentType);
            int bands = img.getRaster().getNumBands();
            if (bands != 1 && bands != 3 && bands != 4) {
                return new Refusal(RejectedImageException.Reason.WRONG_CHANNELS.name(),
                        bands + " channels; expected 1 (gray), 3 (RGB) or 4 (RGBA)");
            }
            preprocessor.image(img, dst, offset);
            return null;
        } catch (RejectedImageException e) {
            return new Refusal(e.reason().name(), e.getMessage());
        } catch (RuntimeException e) {
            // a decoder bug on hostile bytes must cost one image, not the stream
            return new Refusal(RejectedImageException.Reason.UNDECODABLE.name(),
                    e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
