package io.vbpstream.core.stats;

/**
 * One rectangle of a block's co-moment matrix: rows {@code row·tileSize ...} and columns {@code column·tileSize ...}
 * (only {@code row <= column}: the upper triangle), with the sample count and the means of its rows and columns,
 * which is all the merge update needs: {@code C_rc += C'_rc + d_r d_c·na·nb/n}. A 256 x 256 tile is 512 KiB of
 * doubles, under Kafka's default 1 MB record size.
 *
 * @param values row-major {@code rows() x columns()}
 */
public record CoMomentsTile(int width, int tileSize, int row, int column, long count, double[] rowMeans,
                            double[] columnMeans, double[] values) {

    public CoMomentsTile {
        if (width <= 0 || tileSize <= 0 || row < 0 || column < row || (long) column * tileSize >= width) {
            throw new IllegalArgumentException("tile " + row + "," + column + " of " + tileSize + " does not fit width " + width);
        }
        if (count < 0) {
            throw new IllegalArgumentException("negative count " + count);
        }
        int rows = Math.min(tileSize, width - row * tileSize);
        int cols = Math.min(tileSize, width - column * tileSize);
        if (rowMeans.length != rows || columnMeans.length != cols || values.length != rows * cols) {
            throw new IllegalArgumentException("tile " + row + "," + column + " must hold " + rows + " x " + cols + " values");
        }
    }

    public int rows() {
        return rowMeans.length;
    }

    public int columns() {
        return columnMeans.length;
    }

    /** This tile merged with {@code other} (the same position of the same matrix), as a new tile. */
    public CoMomentsTile merge(CoMomentsTile other) {
        if (other.width != width || other.tileSize != tileSize || other.row != row || other.column != column) {
            throw new IllegalArgumentException("tile " + other.row + "," + other.column + " merged into " + row + "," + column);
        }
        if (other.count == 0) {
            return this;
        }
        if (count == 0) {
            return other;
        }
        long n;
        try {
            n = Math.addExact(count, other.count);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("the merged count overflows: " + count + " + " + other.count, e);
        }
        double f = (double) count * other.count / n;
        double[] dr = new double[rows()];
        double[] dc = new double[columns()];
        double[] rm = new double[rows()];
        double[] cm = new double[columns()];
        for (int r = 0; r < dr.length; r++) {
            dr[r] = other.rowMeans[r] - rowMeans[r];
            rm[r] = rowMeans[r] + dr[r] * other.count / n;
        }
        for (int c = 0; c < dc.length; c++) {
            dc[c] = other.columnMeans[c] - columnMeans[c];
            cm[c] = columnMeans[c] + dc[c] * other.count / n;
        }
        double[] v = new double[values.length];
        for (int r = 0; r < dr.length; r++) {
            double d = dr[r] * f;
            for (int c = 0; c < dc.length; c++) {
                int k = r * dc.length + c;
                v[k] = values[k] + other.values[k] + d * dc[c];
            }
        }
        return new CoMomentsTile(width, tileSize, row, column, n, rm, cm, v);
    }
}
