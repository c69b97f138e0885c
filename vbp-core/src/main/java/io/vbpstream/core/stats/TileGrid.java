package io.vbpstream.core.stats;

/**
 * The square tiles that cover the upper triangle of a {@code width x width} co-moment matrix in tiles of
 * {@code tileSize}: {@code side = ceil(width / tileSize)} per side, {@code side (side + 1) / 2} in all, tile
 * {@code (row, column)} for {@code 0 ≤ row ≤ column < side}, named {@code row.column} in keys. The one place that
 * arithmetic lives (the collector's publications, the aggregator's stores and the pruner's views all use it).
 */
public record TileGrid(int width, int tileSize) {

    public TileGrid {
        if (width < 1 || tileSize < 1) {
            throw new IllegalArgumentException("a tile grid needs a width and a tile size of at least 1, got "
                    + width + " and " + tileSize);
        }
    }

    /** The grid {@code tile} belongs to. */
    public static TileGrid of(CoMomentsTile tile) {
        return new TileGrid(tile.width(), tile.tileSize());
    }

    /** Tiles per side of the matrix. */
    public int side() {
        return (int) (((long) width + tileSize - 1) / tileSize);
    }

    /** Tiles covering the upper triangle. */
    public int tiles() {
        long n = side();
        return (int) (n * (n + 1) / 2);
    }

    /** True if {@code (row, column)} is one of the grid's tiles. */
    public boolean contains(int row, int column) {
        return row >= 0 && column >= row && column < side();
    }

    /** A tile's name in keys: {@code row.column}. */
    public static String name(int row, int column) {
        return row + "." + column;
    }

    @Override
    public String toString() {
        return "width " + width + " in tiles of " + tileSize;
    }
}
