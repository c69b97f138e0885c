package io.vbpstream.core.runtime;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The heap a burst of work needed goes back to the operating system once it is garbage (this JVM's flags left to default). */
class UnusedHeapTest {

    private static final long MB = 1L << 20;

    @Test
    void afterAReleaseTheHeapCommittedIsCloseToWhatIsLive() {
        assertTrue(UnusedHeap.configure().startsWith("heap free ratios set"));
        HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        assertEquals("10", hotspot.getVMOption(UnusedHeap.MIN).getValue());
        assertEquals("30", hotspot.getVMOption(UnusedHeap.MAX).getValue());

        // what a prune holds at once: 8 x 100 MB, so the heap commits at least 800 MB
        byte[][] prune = new byte[8][];
        for (int i = 0; i < prune.length; i++) {
            prune[i] = new byte[Math.toIntExact(100 * MB)];
            prune[i][i] = 1;
        }
        long grown = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
        assertTrue(grown >= 800 * MB, "committed " + grown / MB + " MiB while 800 MiB are live");
        prune = null;

        String report = UnusedHeap.release();
        assertTrue(report.startsWith("heap "), report);
        java.lang.management.MemoryUsage after = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long bound = Math.max(after.getInit(), (long) (after.getUsed() / 0.7)) + 64 * MB;
        assertTrue(after.getCommitted() <= bound, "committed " + after.getCommitted() / MB + " MiB after the release, "
                + after.getUsed() / MB + " MiB live (was " + grown / MB + ", initial " + after.getInit() / MB + ")");
        assertTrue(after.getCommitted() < grown - 400 * MB, "gave back at least half of the 800 MiB");
    }
}
