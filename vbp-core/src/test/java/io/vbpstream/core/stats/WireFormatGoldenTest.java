package io.vbpstream.core.stats;

import io.vbpstream.core.GoldenFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The binary formats vbp-core writes, byte for byte against golden files: VBPM moments deltas, VBPC co-moment tiles
 * (version 2, float32, and the float64 version 1 that old records still hold) and VBPS statistics files (version 1
 * without co-moments, 2 with). They live in Kafka topics, changelogs and the model store, so a silent change to any
 * of them would corrupt a restore: each test encodes fixed values and compares the bytes with the committed file, then
 * decodes the file and compares the values.
 *
 * <p>The values are dyadic fractions (exact in float32 and float64), so decoding gives them back exactly. After a
 * deliberate format change (with a new version number, and the old one still read), regenerate the files with
 * <pre>./mvnw -q -o -pl vbp-core test -Dtest=WireFormatGoldenTest -Dvbp.golden.write=src/test/resources/golden</pre>
 * and keep the old version's file beside the new one.
 */
class WireFormatGoldenTest {

    private static final String SHA = "0123456789abcdef".repeat(4);

    @Test
    void vbpmMomentsDelta() throws Exception {
        Moments m = moments();
        byte[] golden = GoldenFiles.check(WireFormatGoldenTest.class, "moments-vbpm-v1.bin", MomentsCodec.encode(m));
        assertEquals(m, MomentsCodec.decode(golden));
    }

    @Test
    void vbpcTileFloat32() throws Exception {
        CoMomentsTile t = tile();
        byte[] golden = GoldenFiles.check(WireFormatGoldenTest.class, "comoments-tile-vbpc-v2.bin", CoMomentsCodec.encode(t));
        assertEquals(2, golden[4], "version byte");
        assertTile(t, CoMomentsCodec.decode(golden));
    }

    @Test
    void vbpcTileFloat64StillRead() throws Exception {
        CoMomentsTile t = tile();
        byte[] golden = GoldenFiles.check(WireFormatGoldenTest.class, "comoments-tile-vbpc-v1.bin", CoMomentsCodec.encodeFloat64(t));
        assertEquals(1, golden[4], "version byte");
        assertTile(t, CoMomentsCodec.decode(golden));
    }

    @Test
    void vbpsStatisticsWithoutCoMoments(@TempDir Path dir) throws Exception {
        ModelStatistics s = statistics(false);
        Path file = dir.resolve("s.vbps");
        s.write(file);
        byte[] golden = GoldenFiles.check(WireFormatGoldenTest.class, "statistics-vbps-v1.bin", Files.readAllBytes(file));
        assertEquals(1, golden[4], "version byte");
        ModelStatistics back = ModelStatistics.read(goldenFile("statistics-vbps-v1.bin", golden, dir));
        assertEquals(SHA, back.modelSha256());
        assertEquals(s.images(), back.images());
        assertEquals(s.blocks(), back.blocks());
        assertFalse(back.hasCoMoments("mlp0") || back.hasCoMoments("mlp1"));
    }

    @Test
    void vbpsStatisticsWithCoMoments(@TempDir Path dir) throws Exception {
        ModelStatistics s = statistics(true);
        Path file = dir.resolve("s.vbps");
        s.write(file);
        byte[] golden = GoldenFiles.check(WireFormatGoldenTest.class, "statistics-vbps-v2.bin", Files.readAllBytes(file));
        assertEquals(2, golden[4], "version byte");
        ModelStatistics back = ModelStatistics.read(goldenFile("statistics-vbps-v2.bin", golden, dir));
        assertEquals(s.blocks(), back.blocks());
        CoMoments c = back.coMoments("mlp1");
        assertNotNull(c);
        CoMomentsTile upper = c.tiles(4).stream().filter(t -> t.row() == 0 && t.column() == 1).findFirst().orElseThrow();
        assertTile(tile(), upper);
    }

    /** Width 5: the whole matrix is one diagonal tile of a 256 grid, or tile 0,0 of a grid of 4 in {@link #tile}. */
    private static Moments moments() {
        return Moments.of(96, new double[] {0.5, -1.25, 3.0, 0.0, 2.125}, new double[] {4.0, 0.75, 12.5, 0.0, 1.0});
    }

    /** Tile 0,1 (rows 0-3, columns 4-5) of a width-6 matrix in tiles of 4; every value exact in float32. */
    private static CoMomentsTile tile() {
        return new CoMomentsTile(6, 4, 0, 1, 40, new double[] {0.5, -0.25, 1.0, 2.0}, new double[] {-3.5, 0.125},
                new double[] {1.5, -0.5, 0.25, 2.0, -1.0, 0.0, 3.75, -2.25});
    }

    private static ModelStatistics statistics(boolean withCoMoments) {
        ModelStatistics s = new ModelStatistics(SHA);
        s.addImages(12);
        s.block("mlp0", 5).merge(moments());
        s.block("mlp1", 6).merge(Moments.of(40, new double[] {0.5, -0.25, 1.0, 2.0, -3.5, 0.125},
                new double[] {8.0, 2.0, 0.5, 1.0, 4.0, 0.25}));
        if (withCoMoments) {
            s.putCoMoments("mlp1", coMatrix());
        }
        return s;
    }

    /** A width-6 co-moment matrix whose tile 0,1 in a grid of 4 is {@link #tile}: built from that tile's grid. */
    private static CoMoments coMatrix() {
        CoMomentsTile upper = tile();
        CoMomentsTile left = new CoMomentsTile(6, 4, 0, 0, 40, upper.rowMeans(), upper.rowMeans(), new double[] {
                8.0, 0.5, -1.0, 0.25,
                0.5, 2.0, 0.0, -0.5,
                -1.0, 0.0, 0.5, 0.125,
                0.25, -0.5, 0.125, 1.0});
        CoMomentsTile right = new CoMomentsTile(6, 4, 1, 1, 40, upper.columnMeans(), upper.columnMeans(),
                new double[] {4.0, -0.75, -0.75, 0.25});
        return CoMoments.fromTiles(List.of(left, upper, right));
    }

    private static void assertTile(CoMomentsTile expected, CoMomentsTile actual) {
        assertEquals(expected.width(), actual.width());
        assertEquals(expected.row(), actual.row());
        assertEquals(expected.column(), actual.column());
        assertEquals(expected.count(), actual.count());
        assertArrayEquals(expected.rowMeans(), actual.rowMeans());
        assertArrayEquals(expected.columnMeans(), actual.columnMeans());
        assertArrayEquals(expected.values(), actual.values());
    }

    private static Path goldenFile(String name, byte[] golden, Path dir) throws IOException {
        Path p = dir.resolve("golden-" + name);
        Files.write(p, golden);
        return p;
    }
}
