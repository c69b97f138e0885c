package io.vbpstream.pruner;

import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
import io.vbpstream.platform.CoMomentsKey;
import io.vbpstream.platform.MomentsKey;
import io.vbpstream.pruner.follow.CoMomentsView;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CoMomentsViewTest {

    private static final MomentsKey BLOCK = new MomentsKey("m", "v", "mlp0");

    private static CoMoments sample(SplittableRandom rnd, int rows) {
        float[] x = new float[rows * 10];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        return CoMoments.empty(10).addBatch(x, rows);
    }

    private static void send(CoMomentsView view, List<CoMomentsTile> tiles) {
        for (CoMomentsTile t : tiles) {
            view.accept(new CoMomentsKey(BLOCK, t.row(), t.column()), CoMomentsCodec.encode(t));
        }
    }

    @Test
    void aBlockIsOfferedOnlyWhenAllItsTilesCoverTheSameSamples() {
        SplittableRandom rnd = new SplittableRandom(1);
        CoMomentsView view = new CoMomentsView();
        CoMoments first = sample(rnd, 20);
        List<CoMomentsTile> tiles = first.tiles(4); // 3 x 3 tiles: 6 in the upper triangle
        send(view, tiles.subList(0, 5));
        assertEquals(null, view.block(BLOCK), "5 of 6 tiles");
        assertTrue(view.counts("m", "v").isEmpty(), "5 of 6 tiles: no count either");
        send(view, tiles.subList(5, 6));
        CoMoments assembled = view.block(BLOCK);
        assertEquals(20, assembled.count());
        // the records hold float32 values
        assertEquals(first.coMoment(2, 9), assembled.coMoment(2, 9), 1e-6 * Math.abs(first.coMoment(2, 9)));
        assertEquals(first.mean(7), assembled.mean(7), 0.0, "the means travel exactly");

        CoMoments second = CoMoments.empty(10).merge(first).merge(sample(rnd, 5));
        List<CoMomentsTile> newer = second.tiles(4);
        send(view, newer.subList(0, 2));
        assertEquals(null, view.block(BLOCK), "tiles over 25 and 20 samples do not make a matrix");
        assertTrue(view.counts("m", "v").isEmpty(), "nor a count");
        send(view, newer.subList(2, 6));
        assertEquals(25, view.block(BLOCK).count());
        assertEquals(java.util.Map.of("mlp0", 25L), view.counts("m", "v"));
        assertTrue(view.block(BLOCK) != view.block(BLOCK), "assembled afresh for each caller: the view holds no second copy");
        assertEquals(null, view.block(new MomentsKey("m", "other", "mlp0")));

        view.accept(new CoMomentsKey(new MomentsKey("m", "g1", "mlp0"), 0, 0), CoMomentsCodec.encode(newer.get(0)));
        view.retainOnly("m", "g1");
        assertEquals(null, view.block(BLOCK), "the tiles of other versions are forgotten");
        assertThrows(io.vbpstream.core.stats.MomentsFormatException.class,
                () -> view.accept(new CoMomentsKey(BLOCK, 0, 0), new byte[] {1, 2, 3}), "a malformed record is refused");
    }
}
