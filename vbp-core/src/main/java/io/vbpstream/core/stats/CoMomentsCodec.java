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
 * 4      1     schema version (2; 1 is still read)
 * 5      4     width w of the whole matrix (int32, 1 .. MomentsCodec.MAX_WIDTH)
 * 9      4     tile size t (int32, 1 .. MAX_TILE)
 * 13     4     tile row (int32)
 * 17     4     tile column (int32, >= row)
 * 21     8     count n (int64, >= 0)
 * 29     8r    means of the tile's r rows (float64)
 * ...    8c    means of its c columns (float64)
 * ...    4rc   co-moments, row-major r x c (float32; float64, 8rc bytes, in version 1)
 * </pre>
 * All numbers big-endian; r and c follow from w, t and the position. A 256 x 256 tile is 266 269 bytes (528 413 in
 * version 1). The co-moments travel and are stored in float32: their relative rounding (6e-8) is far below both the
 * sampling error of any covariance estimate and the ridge that least squares adds to it (1e-3 of the mean variance),
 * and every sum is formed in float64 before it is written. Counts and means stay exact.
 */
public final class CoMomentsCodec {

    public static final int MAGIC = 0x56425043; // "VBPC"
    public static final byte VERSION = 2;
    /** The float64 layout written before version 2; still decoded. */
    public static final byte VERSION_FLOAT64 = 1;
    public static final int MAX_TILE = 362; // 362^2 doubles stay under Kafka's default 1 MB record
    private static final int HEADER = 29;

    private CoMomentsCodec() {
    }

    public static int encodedSize(CoMomentsTile t) {
        return size(VERSION, t.rows(), t.columns());
    }

    private static int size(byte version, int rows, int columns) {
        return HEADER + 8 * (rows + columns) + (version == VERSION_FLOAT64 ? 8 : 4) * rows * columns;
    }

    /** True if every co-moment of {@code t} is finite in float32 (so {@link #encode} can write it). */
    public static boolean fitsFloat32(CoMomentsTile t) {
        for (double v : t.values()) {
            if (!Float.isFinite((float) v)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The tile in the current version (float32 co-moments).
     *
     * @throws IllegalArgumentException if a co-moment is beyond float32's range ({@link #fitsFloat32})
     */
    public static byte[] encode(CoMomentsTile t) {
        ByteBuffer buf = ByteBuffer.allocate(encodedSize(t)).order(ByteOrder.BIG_ENDIAN);
        buf.putInt(MAGIC).put(VERSION).putInt(t.width()).putInt(t.tileSize()).putInt(t.row()).putInt(t.column())
                .putLong(t.count());
        buf.asDoubleBuffer().put(t.rowMeans()).put(t.columnMeans());
        buf.position(HEADER + 8 * (t.rows() + t.columns()));
        java.nio.FloatBuffer values = buf.asFloatBuffer();
        double[] v = t.values();
        int c = t.columns();
        boolean diagonal = t.row() == t.column();
        for (int i = 0; i < t.rows(); i++) {
            for (int j = 0; j < c; j++) {
                // a diagonal tile's lower half repeats its upper half, so it stays exactly symmetric
                double x = diagonal && j < i ? v[j * c + i] : v[i * c + j];
                float f = (float) x;
                if (!Float.isFinite(f)) {
                    throw new IllegalArgumentException("co-moment " + x + " of tile " + t.row() + "," + t.column()
                            + " is beyond float32's range");
                }
                values.put(f);
            }
        }
        return buf.array();
    }

    /** The tile in the float64 layout of version 1 (kept for tests of old records). */
    public static byte[] encodeFloat64(CoMomentsTile t) {
        ByteBuffer buf = ByteBuffer.allocate(size(VERSION_FLOAT64, t.rows(), t.columns())).order(ByteOrder.BIG_ENDIAN);
        buf.putInt(MAGIC).put(VERSION_FLOAT64).putInt(t.width()).putInt(t.tileSize()).putInt(t.row()).putInt(t.column())
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
        if (version != VERSION && version != VERSION_FLOAT64) {
            throw new MomentsFormatException(MomentsFormatException.Reason.UNKNOWN_VERSION,
                    "schema version " + version + " is not supported (this build reads " + VERSION_FLOAT64 + " and "
                            + VERSION + ")");
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
        int expected = size(version, r, c);
        if (bytes.length != expected) {
            throw new MomentsFormatException(bytes.length < expected ? MomentsFormatException.Reason.TRUNCATED
                    : MomentsFormatException.Reason.TRAILING_BYTES, "tile has " + bytes.length + " bytes, needs " + expected);
        }
        double[] rowMeans = new double[r];
        double[] columnMeans = new double[c];
        double[] values = new double[r * c];
        try {
            buf.asDoubleBuffer().get(rowMeans).get(columnMeans);
            if (version == VERSION_FLOAT64) {
                buf.position(HEADER + 8 * (r + c));
                buf.asDoubleBuffer().get(values);
            } else {
                buf.position(HEADER + 8 * (r + c));
                java.nio.FloatBuffer f = buf.asFloatBuffer();
                for (int i = 0; i < values.length; i++) {
                    values[i] = f.get();
                }
            }
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
