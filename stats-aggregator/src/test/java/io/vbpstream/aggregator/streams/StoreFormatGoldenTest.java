package io.vbpstream.aggregator.streams;

import io.vbpstream.core.GoldenFiles;
import io.vbpstream.core.stats.CoMomentsTile;
import io.vbpstream.core.stats.Moments;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The aggregator's state-store values, byte for byte against golden files: {@code VBPR} (running moments),
 * {@code VBPT} (running co-moment tiles) and {@code VBPB} (a block's co-moments summary). They are what the stores'
 * changelog topics hold, so a restore after an upgrade reads them: a silent change would corrupt it. The values are
 * dyadic fractions, exact in every format. After a deliberate format change (a new version number, the old one still
 * read), regenerate with
 * <pre>./mvnw -q -o -pl stats-aggregator test -Dtest=StoreFormatGoldenTest -Dvbp.golden.write=src/test/resources/golden</pre>
 */
class StoreFormatGoldenTest {

    private static final long AT = 1_764_720_000_000L;

    @Test
    void vbprRunningMoments() throws Exception {
        RunningMoments r = new RunningMoments(Moments.of(96, new double[] {0.5, -1.25, 3.0},
                new double[] {4.0, 0.75, 12.5}), 7, AT);
        byte[] golden = GoldenFiles.check(StoreFormatGoldenTest.class, "running-moments-vbpr-v1.bin", r.encode());
        assertEquals(r, RunningMoments.decode(golden));
    }

    @Test
    void vbptRunningTile() throws Exception {
        CoMomentsTile t = new CoMomentsTile(6, 4, 0, 1, 40, new double[] {0.5, -0.25, 1.0, 2.0},
                new double[] {-3.5, 0.125}, new double[] {1.5, -0.5, 0.25, 2.0, -1.0, 0.0, 3.75, -2.25});
        RunningTile r = new RunningTile(t, 3, AT);
        byte[] golden = GoldenFiles.check(StoreFormatGoldenTest.class, "running-tile-vbpt-v1.bin", r.encode());
        RunningTile back = RunningTile.decode(golden);
        assertEquals(3, back.deltas());
        assertEquals(AT, back.lastMergedAt());
        assertEquals(t.count(), back.tile().count());
        assertEquals(t.row(), back.tile().row());
        assertEquals(t.column(), back.tile().column());
        assertArrayEquals(t.rowMeans(), back.tile().rowMeans());
        assertArrayEquals(t.columnMeans(), back.tile().columnMeans());
        assertArrayEquals(t.values(), back.tile().values());
    }

    @Test
    void vbpbBlockSummary() throws Exception {
        BlockSummary s = new BlockSummary(3072, 256, 51_200, 4, AT);
        byte[] golden = GoldenFiles.check(StoreFormatGoldenTest.class, "comoments-summary-vbpb-v1.bin", s.encode());
        assertEquals(s, BlockSummary.decode(golden));
        assertEquals(78, BlockSummary.decode(golden).expectedTiles());
    }
}
