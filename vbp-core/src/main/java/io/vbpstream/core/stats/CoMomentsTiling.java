package io.vbpstream.core.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * The cutting of a {@link CoMoments} matrix into its upper-triangular {@link CoMomentsTile}s and the reassembly of a
 * matrix from them, on the {@link TileGrid} the tiles share.
 */
final class CoMomentsTiling {

    private CoMomentsTiling() {
    }

    /** The upper-triangular tiles of side {@code tile} (the last row and column of tiles may be smaller). */
    static List<CoMomentsTile> tiles(CoMoments m, int tile) {
        if (tile <= 0) {
            throw new IllegalArgumentException("tile size must be positive: " + tile);
        }
        int width = m.width();
        List<CoMomentsTile> out = new ArrayList<>();
        int tiles = new TileGrid(width, tile).side();
        for (int ti = 0; ti < tiles; ti++) {
            for (int tj = ti; tj < tiles; tj++) {
                int r0 = ti * tile;
                int c0 = tj * tile;
                int rows = Math.min(tile, width - r0);
                int cols = Math.min(tile, width - c0);
                double[] values = new double[rows * cols];
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        values[r * cols + c] = m.coMoment(r0 + r, c0 + c);
                    }
                }
                double[] rowMeans = new double[rows];
                double[] colMeans = new double[cols];
                for (int r = 0; r < rows; r++) {
                    rowMeans[r] = m.mean(r0 + r);
                }
                for (int c = 0; c < cols; c++) {
                    colMeans[c] = m.mean(c0 + c);
                }
                out.add(new CoMomentsTile(width, tile, ti, tj, m.count(), rowMeans, colMeans, values));
            }
        }
        return out;
    }

    /**
     * Reassembles a matrix from all its tiles (any order). Every tile must have the same width, tile size and count,
     * every position must be present once, and the means the tiles carry must agree (to rounding); the means are the
     * diagonal tiles'.
     */
    static CoMoments fromTiles(List<CoMomentsTile> tiles) {
        if (tiles.isEmpty()) {
            throw new IllegalArgumentException("no tiles");
        }
        CoMomentsTile first = tiles.get(0);
        int w = first.width();
        int side = first.tileSize();
        TileGrid grid = TileGrid.of(first);
        int n = grid.side();
        if (tiles.size() != grid.tiles()) {
            throw new IllegalArgumentException(tiles.size() + " tiles for " + grid + "; expected " + grid.tiles());
        }
        // a tile's width is positive, so these are what an empty accumulator of width w holds
        long count = first.count();
        double[] mean = new double[w];
        double[] upper = new double[CoMoments.packedSize(w)];
        boolean[][] seen = new boolean[n][n];
        for (CoMomentsTile t : tiles) {
            if (t.width() != w || t.tileSize() != side || t.count() != count) {
                throw new IllegalArgumentException("tile " + t.row() + "," + t.column() + " does not belong with the others");
            }
            if (seen[t.row()][t.column()]) {
                throw new IllegalArgumentException("tile " + t.row() + "," + t.column() + " twice");
            }
            seen[t.row()][t.column()] = true;
            int r0 = t.row() * side;
            int c0 = t.column() * side;
            if (t.row() == t.column()) {
                System.arraycopy(t.rowMeans(), 0, mean, r0, t.rows());
            }
            for (int r = 0; r < t.rows(); r++) {
                for (int col = 0; col < t.columns(); col++) {
                    int i = r0 + r;
                    int j = c0 + col;
                    if (i <= j) {
                        upper[CoMoments.at(w, i, j)] = t.values()[r * t.columns() + col];
                    }
                }
            }
        }
        // tiles merged apart (in different partitions, say) may round their means differently, never more
        for (CoMomentsTile t : tiles) {
            for (int col = 0; col < t.columns(); col++) {
                double expected = mean[t.column() * side + col];
                if (Math.abs(t.columnMeans()[col] - expected) > 1e-9 * Math.max(1.0, Math.abs(expected))) {
                    throw new IllegalArgumentException("tile " + t.row() + "," + t.column() + " disagrees on the means");
                }
            }
        }
        return new CoMoments(count, mean, upper);
    }
}
