package io.vbpstream.core.stats;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CoMomentsCodecTest {

    private static CoMoments sample(int width) {
        SplittableRandom rng = new SplittableRandom(9);
        float[] x = new float[200 * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return CoMoments.empty(width).addBatch(x, 200);
    }

    /** Counts and means exactly, co-moments to float32 rounding (relative 2^-24), diagonal tiles exactly symmetric. */
    @Test
    void tilesRoundTripWithFloat32CoMoments() {
        for (CoMomentsTile t : sample(21).tiles(8)) {
            byte[] bytes = CoMomentsCodec.encode(t);
            assertEquals(CoMomentsCodec.encodedSize(t), bytes.length);
            assertEquals(CoMomentsCodec.VERSION, bytes[4]);
            CoMomentsTile back = CoMomentsCodec.decode(bytes);
            assertEquals(t.row(), back.row());
            assertEquals(t.column(), back.column());
            assertEquals(t.count(), back.count());
            assertArrayEquals(t.rowMeans(), back.rowMeans());
            assertArrayEquals(t.columnMeans(), back.columnMeans());
            for (int i = 0; i < t.values().length; i++) {
                assertEquals((float) t.values()[i], back.values()[i], 0.0, "value " + i + " is its float32 rounding");
            }
            assertArrayEquals(back.values(), CoMomentsCodec.decode(CoMomentsCodec.encode(back)).values(),
                    "a decoded tile encodes to itself");
        }
        CoMomentsTile big = sample(256).tiles(256).get(0);
        assertEquals(266_269, CoMomentsCodec.encode(big).length, "a 256 x 256 tile, half the float64 record");
    }

    @Test
    void version1Float64TilesAreStillReadExactly() {
        for (CoMomentsTile t : sample(21).tiles(8)) {
            byte[] old = CoMomentsCodec.encodeFloat64(t);
            assertEquals(CoMomentsCodec.VERSION_FLOAT64, old[4]);
            CoMomentsTile back = CoMomentsCodec.decode(old);
            assertArrayEquals(t.values(), back.values());
            assertArrayEquals(t.rowMeans(), back.rowMeans());
        }
        assertEquals(528_413, CoMomentsCodec.encodeFloat64(sample(256).tiles(256).get(0)).length);
    }

    @Test
    void coMomentsBeyondFloat32AreRefusedAtEncoding() {
        CoMomentsTile t = sample(4).tiles(4).get(0);
        double[] values = t.values().clone();
        values[1] = 1e39;
        values[4] = 1e39;
        CoMomentsTile huge = new CoMomentsTile(t.width(), t.tileSize(), t.row(), t.column(), t.count(), t.rowMeans(),
                t.columnMeans(), values);
        assertTrue(CoMomentsCodec.fitsFloat32(t));
        assertTrue(!CoMomentsCodec.fitsFloat32(huge));
        assertThrows(IllegalArgumentException.class, () -> CoMomentsCodec.encode(huge));
    }

    private static MomentsFormatException.Reason reason(byte[] bytes) {
        return assertThrows(MomentsFormatException.class, () -> CoMomentsCodec.decode(bytes)).reason();
    }

    @Test
    void everyKindOfBadRecordIsRefusedWithItsReason() {
        CoMomentsTile diagonal = sample(8).tiles(8).get(0);
        byte[] good = CoMomentsCodec.encodeFloat64(diagonal);
        int values = good.length - 8 * 64; // offset of the 8 x 8 values

        byte[] nan = good.clone();
        ByteBuffer.wrap(nan).putDouble(values + 8 * 3, Double.NaN);
        assertEquals(MomentsFormatException.Reason.NON_FINITE, reason(nan));

        byte[] negative = good.clone();
        ByteBuffer.wrap(negative).putDouble(values + 8 * 9, -1.0); // C[1][1]
        assertEquals(MomentsFormatException.Reason.NEGATIVE_M2, reason(negative));

        byte[] asymmetric = good.clone();
        ByteBuffer.wrap(asymmetric).putDouble(values + 8 * 2, 1e6); // C[0][2] but not C[2][0]
        assertEquals(MomentsFormatException.Reason.ASYMMETRIC, reason(asymmetric));

        byte[] lowerTriangle = good.clone();
        ByteBuffer.wrap(lowerTriangle).putInt(13, 1).putInt(17, 0); // row 1, column 0
        assertEquals(MomentsFormatException.Reason.BAD_TILE, reason(lowerTriangle));

        byte[] version = good.clone();
        version[4] = 3;
        assertEquals(MomentsFormatException.Reason.UNKNOWN_VERSION, reason(version));

        assertEquals(MomentsFormatException.Reason.TRUNCATED, reason(java.util.Arrays.copyOf(good, good.length - 1)));
        assertEquals(MomentsFormatException.Reason.TRAILING_BYTES, reason(java.util.Arrays.copyOf(good, good.length + 8)));
        assertEquals(MomentsFormatException.Reason.BAD_MAGIC, reason(MomentsCodec.encode(Moments.of(1, new double[] {1},
                new double[] {0}))), "a moments record is not a tile");
        assertEquals(MomentsFormatException.Reason.TRUNCATED, reason(new byte[3]));
    }
}
