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

    @Test
    void tilesRoundTripExactly() {
        for (CoMomentsTile t : sample(21).tiles(8)) {
            byte[] bytes = CoMomentsCodec.encode(t);
            assertEquals(CoMomentsCodec.encodedSize(t), bytes.length);
            CoMomentsTile back = CoMomentsCodec.decode(bytes);
            assertEquals(t.row(), back.row());
            assertEquals(t.column(), back.column());
            assertEquals(t.count(), back.count());
            assertArrayEquals(t.rowMeans(), back.rowMeans());
            assertArrayEquals(t.columnMeans(), back.columnMeans());
            assertArrayEquals(t.values(), back.values());
        }
        CoMomentsTile big = sample(256).tiles(256).get(0);
        assertTrue(CoMomentsCodec.encode(big).length < 1_000_000, "a 256 x 256 tile fits Kafka's default record size");
    }

    private static MomentsFormatException.Reason reason(byte[] bytes) {
        return assertThrows(MomentsFormatException.class, () -> CoMomentsCodec.decode(bytes)).reason();
    }

    @Test
    void everyKindOfBadRecordIsRefusedWithItsReason() {
        CoMomentsTile diagonal = sample(8).tiles(8).get(0);
        byte[] good = CoMomentsCodec.encode(diagonal);
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
        version[4] = 2;
        assertEquals(MomentsFormatException.Reason.UNKNOWN_VERSION, reason(version));

        assertEquals(MomentsFormatException.Reason.TRUNCATED, reason(java.util.Arrays.copyOf(good, good.length - 1)));
        assertEquals(MomentsFormatException.Reason.TRAILING_BYTES, reason(java.util.Arrays.copyOf(good, good.length + 8)));
        assertEquals(MomentsFormatException.Reason.BAD_MAGIC, reason(MomentsCodec.encode(Moments.of(1, new double[] {1},
                new double[] {0}))), "a moments record is not a tile");
        assertEquals(MomentsFormatException.Reason.TRUNCATED, reason(new byte[3]));
    }
}
