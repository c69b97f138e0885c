package io.vbpstream.core.cost;

import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The rule's figures for the shapes the docs quote, worked out by hand from the formula in {@link HeapBudget}. */
class HeapBudgetTest {

    private static final long MB = 1L << 20;

    @Test
    void deitBaseNeedsTheFiguresTheDocsQuote() {
        // DeiT-Base: 346 MB file (346 241 911 bytes as bench/run.sh deit-models exports it), 12 blocks of 3072, 3x224x224 input, 512 gate images
        List<Integer> widths = Collections.nCopies(12, 3072);
        long c = HeapBudget.covarianceBytes(widths);
        assertEquals(12L * 3072 * 3073 / 2 * 8, c);
        HeapBudget b = HeapBudget.of(346_241_911L, widths, 3 * 224 * 224, 512, true);
        // the kernel's bands: 512 rows each against 3072, 2560, ..., 512 columns
        long gram = 3072L * 3072 * 4 + 4L * 512 * (3072 + 2560 + 2048 + 1536 + 1024 + 512);
        long buffers = 4L * HeapBudget.GRAM_ROWS * 12 * 3072;
        long collector = (320 * MB + 346_241_911L * 5 / 4 + c + buffers + gram) * 5 / 4;
        assertEquals(roundUp(collector), b.collectorBytes());
        assertEquals("1664m", HeapBudget.xmx(b.collectorBytes()));
        long sample = 512L * 3 * 224 * 224 * 4;
        long pruner = (384 * MB + 346_241_911L + Math.max(346_241_911L + c * 3 / 2 + 16L * 3072 * 3072, c * 3 / 2 + 2 * sample)) * 5 / 4;
        assertEquals(roundUp(pruner), b.prunerBytes());
        assertEquals("2496m", HeapBudget.xmx(b.prunerBytes()));
        // the reconstruction criterion on the Java kernels: two blocks' greedy orders of four 3072² double matrices
        // each, in place of L; on OpenBLAS (direct memory) the least-squares budget
        assertEquals(b.prunerBytes(), HeapBudget.forReconstruction(346_241_911L, widths, 3 * 224 * 224, 512, false).prunerBytes());
        HeapBudget r = HeapBudget.forReconstruction(346_241_911L, widths, 3 * 224 * 224, 512, true);
        long reconstruction = (384 * MB + 346_241_911L + Math.max(346_241_911L + c * 3 / 2 + 64L * 3072 * 3072,
                c * 3 / 2 + 2 * sample)) * 5 / 4;
        assertEquals(roundUp(reconstruction), r.prunerBytes());
        assertEquals("2880m", HeapBudget.xmx(r.prunerBytes()));
        assertEquals(b.collectorBytes(), r.collectorBytes());
    }

    @Test
    void aSmallModelGetsTheFloorAndNoCovarianceCostsNothing() {
        HeapBudget b = HeapBudget.of(1_200_000, Collections.nCopies(6, 256), 28 * 28, 512, true);
        assertEquals(HeapBudget.FLOOR_MB * MB, b.collectorBytes());
        assertEquals(HeapBudget.FLOOR_MB * MB, b.aggregatorBytes());
        assertEquals(HeapBudget.FLOOR_MB * MB, b.prunerBytes());
        assertEquals("collector=512m aggregator=512m pruner=512m", b.toString());
        HeapBudget withCov = HeapBudget.of(346_241_911L, Collections.nCopies(12, 3072), 3 * 224 * 224, 512, true);
        HeapBudget without = HeapBudget.of(346_241_911L, Collections.nCopies(12, 3072), 3 * 224 * 224, 512, false);
        assertEquals(true, without.collectorBytes() < withCov.collectorBytes() - 400 * MB);
    }

    @Test
    void aShortfallSaysWhatHeapToGive() {
        assertEquals(java.util.Optional.empty(), HeapBudget.shortfall("pruner", "m/base", 1600 * MB, 1600 * MB));
        String m = HeapBudget.shortfall("pruner", "deit-base/base", 3136 * MB, 768 * MB).orElseThrow();
        assertEquals("deit-base/base needs a heap of at least 3136m, this JVM has 768m: start the pruner with -Xmx3136m"
                + " (or a container memory limit that gives it that; `vbp heap --model <file>` prints every service's)", m);
    }

    private static long roundUp(long bytes) {
        long step = 64 * MB;
        return Math.max(HeapBudget.FLOOR_MB * MB, (bytes + step - 1) / step * step);
    }
}
