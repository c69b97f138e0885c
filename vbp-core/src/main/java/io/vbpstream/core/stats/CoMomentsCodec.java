package io.vbpstream.core.stats;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Versioned binary encoding of a {@link CoMomentsTile}.
 *
 * <pre>
 * offset size  field
 * 0      4     magic "VBPC"
 * 4      1     schema version (1)
 * 5      4     width w of the whole matrix (int32, 1 .. MomentsCodec.MAX_WIDTH)
 * 9      4     tile size t (int32, 1 .. MAX_TILE)
 * 13     4     tile row (int32)
 * 17     4     tile column (int32, >= row)
 * 21     8     count n (int64, >= 0)
 * 29     8r    means of the tile's r rows (float64)
 * ...    8c    means of its c columns (float64)
 * ...    8rc   co-moments, row-major r x c (float64)
 * </pre>
 * All numbers big-endian; r and c follow from w, t and the position. A 256 x 256 tile is 528 413 bytes.
 */
public final class CoMomentsCodec {

    public static final int MAGIC = 0x56425043; // "VBPC"
    public static final byte VERSION = 1;
    public static final int MAX_TILE = 362; // 362^2 doubles stay under Kafka's default 1 MB record
    private static final int HEADER = 29;

    private CoMomentsCodec() {
    }

    public static int encodedSize(CoMomentsTile t) {
        return HEADER + 8 * (t.rows() + t.columns() + t.rows() * t.columns());
    }

    public static byte[] encode(CoMomentsTile t) {
        ByteBuffer buf = ByteBuffer.allocate(encodedSize(t)).order(ByteOrder.BIG_ENDIAN);
        buf.putInt(MAGIC).put(VERSION).putInt(t.width()).putInt(t.tileSize()).putInt(t.row()).putInt(t.column())
                .putLong(t.count());
        buf.asDoubleBuffer().put(t.rowMeans()).put(t.columnMeans()).put(t.values());
        return buf.array();
    }

    /**
     * Decodes and validates a tile: known version, a position inside the upper triangle, finite values, a
     * non-negative diagonal and a symmetric diagonal tile (a co-moment matrix is symmetric positive semi-definite).
     */
    public static CoMomentsTile decode(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER) {
            throw new MomentsFormatException(MomentsFormatException.Reason.TRUNCATED,
                    "record of " + (bytes == null ? 0 : bytes.length) + " bytes is shorter than the " + HEADER + "-byte header");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        int magic = buf.getInt();
        if (magic != MAGIC) {
            throw new MomentsFormatException(MomentsFormatException.Reason.BAD_MAGIC, String.format("magic 0x%08x is not VBPC", magic));
        }
        byte version = buf.get();
        if (version != VERSION) {
            throw new MomentsFormatException(MomentsFormatException.Reason.UNKNOWN_VERSION,
                    "schema version " + version + " is not supported (this build reads " + VERSION + ")");
        }
        int width = buf.getInt();
        int tile = buf.getInt();
        int row = buf.getInt();
        int column = buf.getInt();
        long count = buf.getLong();
        if (width <= 0 || width > MomentsCodec.MAX_WIDTH) {
            throw new MomentsFormatException(MomentsFormatException.Reason.BAD_WIDTH, "width " + width + " out of range");
        }
        if (tile <= 0 || tile > MAX_TILE || row < 0 || column < row || (long) column * tile >= width) {
            throw new MomentsFormatException(MomentsFormatException.Reason.BAD_TILE,
                    "tile " + row + "," + column + " of size " + tile + " is not in the upper triangle of width " + width);
        }
        if (count < 0) {
            throw new MomentsFormatException(MomentsFormatException.Reason.BAD_COUNT, "negative count " + count);
        }
        int r = Math.min(tile, width - row * tile);
        int c = Math.min(tile, width - column * tile);
        int expected = HEADER + 8 * (r + c + r * c);
        if (bytes.length != expected) {
            throw new MomentsFormatException(bytes.length < expected ? MomentsFormatException.Reason.TRUNCATED
                    : MomentsFormatException.Reason.TRAILING_BYTES, "tile has " + bytes.length + " bytes, needs " + expected);
        }
        double[] rowMeans = new double[r];
        double[] columnMeans = new double[c];
        double[] values = new double[r * c];
        try {
            buf.asDoubleBuffer().get(rowMeans).get(columnMeans).get(values);
        } catch (BufferUnderflowException e) {
            throw new MomentsFormatException(MomentsFormatException.Reason.TRUNCATED, "record ends inside the values");
        }
        for (double[] a : new double[][]{rowMeans, columnMeans, values}) {
            for (double v : a) {
                if (!Double.isFinite(v)) {
                    throw new MomentsFormatException(MomentsFormatException.Reason.NON_FINITE, "a value is " + v);
                }
            }
        }
        if (row == column) {
            for (int i = 0; i < r; i++) {
                if (values[i * c + i] < 0) {
                    throw new MomentsFormatException(MomentsFormatException.Reason.NEGATIVE_M2,
                            "diagonal " + (row * tile + i) + " is " + values[i * c + i]);
                }
                for (int j = i + 1; j < c; j++) {
                    double a = values[i * c + j];
                    double b = values[j * c + i];
                    if (Math.abs(a - b) > 1e-9 * Math.max(1.0, Math.max(Math.abs(a), Math.abs(b)))) {
                        throw new MomentsFormatException(MomentsFormatException.Reason.ASYMMETRIC,
                                "C[" + i + "][" + j + "] = " + a + " but C[" + j + "][" + i + "] = " + b);
                    }
                }
            }
        }
        return new CoMomentsTile(width, tile, row, column, count, rowMeans, columnMeans, values);
    }
}
