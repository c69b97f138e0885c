package io.vbpstream.core.stats;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Compact, versioned binary encoding of {@link Moments}.
 *
 * <pre>
 * offset size  field
 * 0      4     magic "VBPM"
 * 4      1     schema version (1)
 * 5      4     width w (int32, 1 .. MAX_WIDTH)
 * 9      8     count n (int64, >= 0)
 * 17     8w    mean[w] (float64)
 * 17+8w  8w    m2[w]   (float64)
 * </pre>
 * All numbers big-endian. A record is {@code 17 + 16w} bytes: 49 169 bytes for w = 3072.
 */
public final class MomentsCodec {

    public static final int MAGIC = 0x5642504D; // "VBPM"
    public static final byte VERSION = 1;
    public static final int MAX_WIDTH = 1 << 20;
    private static final int HEADER = 17;

    private MomentsCodec() {
    }

    public static int encodedSize(int width) {
        return HEADER + 16 * width;
    }

    public static byte[] encode(Moments m) {
        ByteBuffer buf = ByteBuffer.allocate(encodedSize(m.width()));
        encode(m, buf);
        return buf.array();
    }

    /** Writes the record at {@code out}'s position (big-endian), which advances by {@link #encodedSize(int)}. */
    public static void encode(Moments m, ByteBuffer out) {
        out.order(ByteOrder.BIG_ENDIAN).putInt(MAGIC).put(VERSION).putInt(m.width()).putLong(m.count());
        out.asDoubleBuffer().put(m.mean()).put(m.m2());
        out.position(out.position() + 16 * m.width());
    }

    /** Decodes and validates a record; never returns moments with NaN, Inf, negative M2 or a negative count. */
    public static Moments decode(byte[] bytes) {
        return decode(bytes, 0, bytes == null ? 0 : bytes.length);
    }

    /** Decodes and validates the record in {@code bytes[offset, offset + length)}. */
    public static Moments decode(byte[] bytes, int offset, int length) {
        if (bytes == null || length < HEADER) {
            throw new MomentsFormatException(MomentsFormatException.Reason.TRUNCATED,
                    "record of " + (bytes == null ? 0 : length) + " bytes is shorter than the " + HEADER + "-byte header");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes, offset, length).slice().order(ByteOrder.BIG_ENDIAN);
        int magic = buf.getInt();
        if (magic != MAGIC) {
            throw new MomentsFormatException(MomentsFormatException.Reason.BAD_MAGIC,
                    String.format("magic 0x%08x is not VBPM", magic));
        }
        byte version = buf.get();
        if (version != VERSION) {
            throw new MomentsFormatException(MomentsFormatException.Reason.UNKNOWN_VERSION,
                    "schema version " + version + " is not supported (this build reads " + VERSION + ")");
        }
        int width = buf.getInt();
        if (width <= 0 || width > MAX_WIDTH) {
            throw new MomentsFormatException(MomentsFormatException.Reason.BAD_WIDTH, "width " + width + " out of range");
        }
        long count = buf.getLong();
        if (count < 0) {
            throw new MomentsFormatException(MomentsFormatException.Reason.BAD_COUNT, "negative count " + count);
        }
        if (length != encodedSize(width)) {
            throw new MomentsFormatException(length < encodedSize(width)
                    ? MomentsFormatException.Reason.TRUNCATED : MomentsFormatException.Reason.TRAILING_BYTES,
                    "record has " + length + " bytes, width " + width + " needs " + encodedSize(width));
        }
        double[] mean = new double[width];
        double[] m2 = new double[width];
        try {
            buf.asDoubleBuffer().get(mean).get(m2);
        } catch (BufferUnderflowException e) {
            throw new MomentsFormatException(MomentsFormatException.Reason.TRUNCATED, "record ends inside the vectors");
        }
        for (int j = 0; j < width; j++) {
            if (!Double.isFinite(mean[j]) || !Double.isFinite(m2[j])) {
                throw new MomentsFormatException(MomentsFormatException.Reason.NON_FINITE,
                        "neuron " + j + " has mean " + mean[j] + ", m2 " + m2[j]);
            }
            if (m2[j] < 0) {
                throw new MomentsFormatException(MomentsFormatException.Reason.NEGATIVE_M2, "neuron " + j + " has m2 " + m2[j]);
            }
        }
        return Moments.of(count, mean, m2);
    }
}
