package io.vbpstream.collector.pipeline;

import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.data.RejectedImageException;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.awt.image.BufferedImage;

/**
 * Checks, decodes and preprocesses one image record into its slot of a batch, or says why it cannot: the reason
 * becomes the dead-letter header. Nothing here throws on bad bytes. Keys and headers are bounded before anything
 * else ({@link #admit}): whatever the collector writes on behalf of an input (its prediction, which copies the key and
 * the label; its dead letter, which copies the headers) must fit its topic, or the broker refuses the send, the
 * window's transaction aborts, and the same record aborts every later window of its partition.
 */
public final class ImageIntake {

    /** A record key longer than {@link RecordLimits#maxKeyBytes()}. */
    public static final String KEY_TOO_LARGE = "KEY_TOO_LARGE";
    /** Record headers (names and values together) longer than {@link RecordLimits#maxHeaderBytes()}. */
    public static final String HEADER_TOO_LARGE = "HEADER_TOO_LARGE";

    /** Why an image is refused, as written to the dead-letter header. */
    public record Refusal(String reason, String detail) {
    }

    /**
     * Bounds on what an image record may carry besides its image. At most 16 KiB and 32 KiB, so that with the
     * dead-letter headers they stay inside the room a dead letter keeps beside its payload.
     */
    public record RecordLimits(int maxKeyBytes, int maxHeaderBytes) {
        public static final int MAX_KEY_BYTES = 16 << 10;
        public static final int MAX_HEADER_BYTES = 32 << 10;
        public static final RecordLimits DEFAULT = new RecordLimits(1024, 16 << 10);

        public RecordLimits {
            if (maxKeyBytes < 1 || maxKeyBytes > MAX_KEY_BYTES) {
                throw new IllegalArgumentException("vbp.collector.limits.max-key-bytes must be in [1, " + MAX_KEY_BYTES
                        + "], got " + maxKeyBytes);
            }
            if (maxHeaderBytes < 1 || maxHeaderBytes > MAX_HEADER_BYTES) {
                throw new IllegalArgumentException("vbp.collector.limits.max-header-bytes must be in [1, "
                        + MAX_HEADER_BYTES + "], got " + maxHeaderBytes);
            }
        }
    }

    private final ImageDecoder decoder;
    private final RecordLimits recordLimits;

    public ImageIntake(ImageDecoder.Limits limits, RecordLimits recordLimits) {
        this.decoder = new ImageDecoder(limits);
        this.recordLimits = recordLimits;
    }

    public RecordLimits recordLimits() {
        return recordLimits;
    }

    /**
     * Refuses a record whose key or headers exceed the limits, before its image is looked at.
     *
     * @param keyBytes the serialized key's size ({@code ConsumerRecord.serializedKeySize()}, -1 for none)
     * @return null when the record may go on, else the refusal
     */
    public Refusal admit(int keyBytes, Headers headers) {
        if (keyBytes > recordLimits.maxKeyBytes()) {
            return new Refusal(KEY_TOO_LARGE, "a key of " + keyBytes + " bytes; at most " + recordLimits.maxKeyBytes()
                    + " (vbp.collector.limits.max-key-bytes)");
        }
        long bytes = headerBytes(headers);
        if (bytes > recordLimits.maxHeaderBytes()) {
            return new Refusal(HEADER_TOO_LARGE, "headers of " + bytes + " bytes; at most " + recordLimits.maxHeaderBytes()
                    + " (vbp.collector.limits.max-header-bytes)");
        }
        return null;
    }

    /** The bytes of every header's name and value. */
    public static long headerBytes(Headers headers) {
        long bytes = 0;
        for (Header h : headers) {
            bytes += h.key().length() * 3L + (h.value() == null ? 0 : h.value().length); // a name's UTF-8, at most
        }
        return bytes;
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
