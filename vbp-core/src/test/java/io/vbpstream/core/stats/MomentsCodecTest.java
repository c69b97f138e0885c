package io.vbpstream.core.stats;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MomentsCodecTest {

    private static Moments sample(int width) {
        SplittableRandom rng = new SplittableRandom(1);
        Moments m = Moments.empty(width);
        for (int i = 0; i < 100; i++) {
            double[] row = new double[width];
            for (int j = 0; j < width; j++) {
                row[j] = rng.nextGaussian() * (j + 1);
            }
            m.add(row);
        }
        return m;
    }

    @Test
    void roundTripsExactly() {
        Moments m = sample(3072);
        byte[] bytes = MomentsCodec.encode(m);
        assertEquals(17 + 16 * 3072, bytes.length);
        Moments back = MomentsCodec.decode(bytes);
        assertEquals(m, back);
        assertArrayEquals(m.m2(), back.m2());
    }

    @Test
    void headerLayoutIsStable() {
        byte[] bytes = MomentsCodec.encode(Moments.of(5, new double[] {1.5}, new double[] {2.0}));
        ByteBuffer b = ByteBuffer.wrap(bytes);
        assertEquals(0x5642504D, b.getInt());
        assertEquals(1, b.get());
        assertEquals(1, b.getInt());
        assertEquals(5L, b.getLong());
        assertEquals(1.5, b.getDouble());
        assertEquals(2.0, b.getDouble());
    }

    private static MomentsFormatException.Reason reasonOf(byte[] bytes) {
        return assertThrows(MomentsFormatException.class, () -> MomentsCodec.decode(bytes)).reason();
    }

    @Test
    void rejectsEveryKindOfBadRecordWithAReason() {
        byte[] good = MomentsCodec.encode(sample(4));
        assertEquals(MomentsFormatException.Reason.TRUNCATED, reasonOf(new byte[3]));
        assertEquals(MomentsFormatException.Reason.TRUNCATED, reasonOf(null));
        assertEquals(MomentsFormatException.Reason.TRUNCATED, reasonOf(Arrays.copyOf(good, good.length - 1)));
        assertEquals(MomentsFormatException.Reason.TRAILING_BYTES, reasonOf(Arrays.copyOf(good, good.length + 8)));

        byte[] magic = good.clone();
        magic[0] = 'X';
        assertEquals(MomentsFormatException.Reason.BAD_MAGIC, reasonOf(magic));

        byte[] version = good.clone();
        version[4] = 9;
        assertEquals(MomentsFormatException.Reason.UNKNOWN_VERSION, reasonOf(version));

        byte[] width = good.clone();
        ByteBuffer.wrap(width).putInt(5, 0);
        assertEquals(MomentsFormatException.Reason.BAD_WIDTH, reasonOf(width));

        byte[] count = good.clone();
        ByteBuffer.wrap(count).putLong(9, -1);
        assertEquals(MomentsFormatException.Reason.BAD_COUNT, reasonOf(count));

        byte[] nan = good.clone();
        ByteBuffer.wrap(nan).putDouble(17, Double.NaN);
        assertEquals(MomentsFormatException.Reason.NON_FINITE, reasonOf(nan));

        byte[] inf = good.clone();
        ByteBuffer.wrap(inf).putDouble(17 + 8 * 4, Double.POSITIVE_INFINITY);
        assertEquals(MomentsFormatException.Reason.NON_FINITE, reasonOf(inf));

        byte[] negative = good.clone();
        ByteBuffer.wrap(negative).putDouble(17 + 8 * 4, -1.0);
        assertEquals(MomentsFormatException.Reason.NEGATIVE_M2, reasonOf(negative));
    }
}
