package io.vbpstream.core.stats;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TileGridTest {

    @Test
    void theGridCoversTheUpperTriangleOfDeitAndFmnistWidths() {
        assertEquals(12, new TileGrid(3072, 256).side());
        assertEquals(78, new TileGrid(3072, 256).tiles());
        assertEquals(6, new TileGrid(1536, 256).side());
        assertEquals(21, new TileGrid(1536, 256).tiles());
        assertEquals(1, new TileGrid(128, 256).tiles(), "a block narrower than a tile is one tile");
        assertEquals(3, new TileGrid(257, 256).tiles(), "one column over the tile size needs a second row of tiles");
    }

    /** Against a count of the tiles that hold an upper-triangle element, for seeded random geometries. */
    @Test
    void tilesAndContainsAgreeWithACountOfTheTilesThatHoldAnElement() {
        Random rnd = new Random(20261202L);
        for (int trial = 0; trial < 200; trial++) {
            int width = 1 + rnd.nextInt(600);
            int tile = 1 + rnd.nextInt(80);
            TileGrid grid = new TileGrid(width, tile);
            int counted = 0;
            for (int r = 0; r * tile < width; r++) {
                for (int c = 0; c * tile < width; c++) {
                    // tile (r, c) holds an element (i, j) with i <= j iff its last column reaches its first row
                    boolean holds = Math.min(width - 1, (c + 1) * tile - 1) >= r * tile;
                    assertEquals(holds, grid.contains(r, c), width + "/" + tile + " tile " + r + "," + c);
                    counted += holds ? 1 : 0;
                }
            }
            assertEquals(counted, grid.tiles(), width + " in tiles of " + tile);
            assertFalse(grid.contains(0, grid.side()));
        }
    }

    @Test
    void namesAndTheGridOfATile() {
        assertEquals("3.11", TileGrid.name(3, 11));
        CoMomentsTile t = new CoMomentsTile(600, 256, 1, 2, 0, new double[256], new double[88], new double[256 * 88]);
        assertEquals(new TileGrid(600, 256), TileGrid.of(t));
        assertTrue(TileGrid.of(t).contains(t.row(), t.column()));
    }

    @Test
    void anEmptyGeometryIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new TileGrid(0, 256));
        assertThrows(IllegalArgumentException.class, () -> new TileGrid(3072, 0));
    }
}
