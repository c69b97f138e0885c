package io.vbpstream.aggregator.query;

import java.util.List;

/**
 * What the store holds of one block's co-moment matrix: its geometry and each tile's count and deltas. {@code count}
 * is the samples every tile covers when they agree ({@code consistent}), else -1. The tiles themselves are served one
 * by one as {@code CoMomentsCodec} records (a width-3072 matrix is 41 MB).
 */
public record CoMomentsSummary(String model, String version, String block, int width, int tileSize, int expectedTiles,
                               long count, boolean consistent, List<Tile> tiles, String servedBy) {

    public record Tile(int row, int column, long count, long deltas) {
    }
}
