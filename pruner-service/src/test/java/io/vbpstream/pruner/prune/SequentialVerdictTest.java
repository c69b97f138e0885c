package io.vbpstream.pruner.prune;

import io.vbpstream.platform.message.OffsetRange;
import io.vbpstream.platform.message.Prediction;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SequentialVerdictTest {

    private static SequentialVerdict.Tally tally(int images, int agree, int labelled, int rightCandidate, int rightParent,
                                                 double minRel) {
        SequentialVerdict.Tally t = new SequentialVerdict.Tally();
        for (int i = 0; i < images; i++) {
            int parent = i < rightParent ? 0 : 1; // label 0 for the labelled ones
            int candidate = i < agree ? parent : parent + 5;
            t.add(candidate, parent, i < labelled ? 0 : -1, minRel);
        }
        assertEquals(agree, t.agree);
        return t;
    }

    @Test
    void theNormalQuantileMatchesTables() {
        assertEquals(0.0, SequentialVerdict.normalQuantile(0.5), 1e-9);
        assertEquals(1.959963985, SequentialVerdict.normalQuantile(0.975), 1e-8);
        assertEquals(-3.090232306, SequentialVerdict.normalQuantile(0.001), 1e-8);
        assertEquals(4.264890794, SequentialVerdict.normalQuantile(0.99999), 1e-7);
    }

    @Test
    void theWilsonIntervalMatchesItsFormula() {
        // one look at 95%: z = 1.96; 99 of 100 gives [0.9455, 0.9982] (Wilson 1927, as tabulated by Newcombe 1998)
        SequentialVerdict v = new SequentialVerdict(0.9, 0.95, 0.95, 10, 1);
        double[] w = v.wilson(99, 100);
        assertArrayEquals(new double[] {0.9455, 0.9982}, w, 1e-4);
    }

    @Test
    void nothingIsDecidedBeforeTheFloor() {
        SequentialVerdict v = new SequentialVerdict(0.9, 0.95, 0.95, 200, 8);
        assertEquals(SequentialVerdict.Call.UNDECIDED, v.call(tally(199, 0, 0, 0, 0, 0.95)), "even a hopeless candidate");
        assertEquals(SequentialVerdict.Call.UNDECIDED, v.call(tally(199, 199, 0, 0, 0, 0.95)), "even a perfect one");
    }

    @Test
    void aClearCandidatePassesAtTheFloorAndAHopelessOneFails() {
        SequentialVerdict v = new SequentialVerdict(0.9, 0.95, 0.95, 200, 8);
        assertEquals(SequentialVerdict.Call.PASS, v.call(tally(200, 198, 0, 0, 0, 0.95)));
        assertEquals(SequentialVerdict.Call.FAIL, v.call(tally(200, 120, 0, 0, 0, 0.95)));
        // 0.92 observed on 200 is inside the bounds of 0.90 at this confidence: keep going
        assertEquals(SequentialVerdict.Call.UNDECIDED, v.call(tally(200, 184, 0, 0, 0, 0.95)));
    }

    @Test
    void theAccuracyBoundDecidesToo() {
        SequentialVerdict v = new SequentialVerdict(0.9, 0.95, 0.95, 200, 8);
        // agreement 0.99, labelled, both right on the same 180: the paired difference is 0.05 on 180, 0 elsewhere
        assertEquals(SequentialVerdict.Call.PASS, v.call(tally(200, 198, 200, 180, 180, 0.95)));
        // a lax agreement threshold (0.4) that 0.5 clears, but the candidate keeps half the parent's accuracy
        SequentialVerdict lax = new SequentialVerdict(0.4, 0.95, 0.95, 200, 8);
        SequentialVerdict.Tally t = new SequentialVerdict.Tally();
        for (int i = 0; i < 200; i++) {
            t.add(i < 100 ? 0 : 7, 0, 0, 0.95); // parent always right, candidate right on half
        }
        assertEquals(true, lax.wilson(t.agree, t.images)[1] > 0.4, "not an agreement failure");
        assertEquals(SequentialVerdict.Call.FAIL, lax.call(t));
        // too few labels for the normal interval: no early pass
        assertEquals(SequentialVerdict.Call.UNDECIDED, v.call(tally(200, 200, 10, 10, 10, 0.95)));
    }

    @Test
    void moreLooksWidenTheBounds() {
        assertEquals(true, new SequentialVerdict(0.9, 0.95, 0.95, 10, 16).z() > new SequentialVerdict(0.9, 0.95, 0.95, 10, 1).z());
    }

    @Test
    void aSampleListsExactlyTheImagesUsedAsRunsOfOffsets() {
        List<Prediction.Source> sources = new ArrayList<>();
        for (long o : new long[] {10, 11, 12, 14}) {
            sources.add(new Prediction.Source("images", 2, o));
        }
        sources.add(new Prediction.Source("images", 0, 5));
        sources.add(new Prediction.Source("images", 2, 13));
        RecentImages.Sample s = new RecentImages.Sample(new float[0], 6, new int[6], null, sources);
        assertEquals(List.of(new OffsetRange("images", 0, 5, 5), new OffsetRange("images", 2, 10, 14)), s.ranges(6));
        assertEquals(List.of(new OffsetRange("images", 2, 10, 12)), s.ranges(3));
        assertEquals(List.of(new OffsetRange("images", 0, 5, 5), new OffsetRange("images", 2, 10, 12),
                new OffsetRange("images", 2, 14, 14)), s.ranges(5));
    }
}
