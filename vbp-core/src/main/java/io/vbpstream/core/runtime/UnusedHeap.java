package io.vbpstream.core.runtime;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.Locale;

/**
 * Hands back to the operating system the heap a burst of work needed: the pruner's prune before the gate opens its
 * ONNX Runtime sessions, the collector's model load before the old version is swapped out. A
 * DeiT-Base prune holds the pruned model, the covariance snapshot and the least-squares work (2.3 GB of heap in use);
 * the gate then needs 1.5 GB of it while the candidate's and the parent's sessions take 0.9 GB outside it. G1 gives
 * committed memory back only when it resizes the heap (after a full collection or a concurrent cycle's remark), and
 * by default only down to 70% free, so without this the process holds the prune's heap and the gate's sessions at
 * once (docs/BENCHMARKS.md: the pruner's peak RSS).
 *
 * <p>{@link #configure} sets {@code MinHeapFreeRatio} 10 and {@code MaxHeapFreeRatio} 30 (both manageable) unless the
 * command line set them; {@link #release} runs a full collection, after which G1 uncommits down to the live set plus
 * 30%, and trims the C heap ({@link NativeHeap}). One collection per prune or per model loaded, under 0.2 s at
 * DeiT-Base, on the worker's own thread. The ratios then hold for the life of the JVM: the heap also shrinks after
 * concurrent cycles, and grows back as the work needs it.
 */
public final class UnusedHeap {

    static final String MIN = "MinHeapFreeRatio";
    static final String MAX = "MaxHeapFreeRatio";

    private UnusedHeap() {
    }

    /**
     * The free-ratio bounds that let a full collection shrink the heap, where the operator has not chosen their own.
     * Returns what was done, for the caller's log.
     */
    public static String configure() {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (hotspot.getVMOption(MIN).getOrigin() != VMOption.Origin.DEFAULT
                    || hotspot.getVMOption(MAX).getOrigin() != VMOption.Origin.DEFAULT) {
                return String.format("heap free ratios as set: %s=%s, %s=%s", MIN, hotspot.getVMOption(MIN).getValue(),
                        MAX, hotspot.getVMOption(MAX).getValue());
            }
            hotspot.setVMOption(MIN, "10"); // first: the minimum may never exceed the maximum
            hotspot.setVMOption(MAX, "30");
            return "heap free ratios set: " + MIN + "=10, " + MAX + "=30 (a full collection gives back what is unused)";
        } catch (RuntimeException e) {
            // another JVM, or the flags not manageable there: the heap then keeps what it committed, as before
            return "cannot set the heap's free ratios (" + e + "): the heap will stay at its high-water mark";
        }
    }

    /**
     * A full collection, so that the heap shrinks to its live set (plus the free ratio), then a trim of the C heap
     * ({@link NativeHeap}). Returns what each gave back, for the caller's log.
     */
    public static String release() {
        MemoryUsage before = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long t0 = System.nanoTime();
        System.gc();
        MemoryUsage after = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        String heap = String.format(Locale.ROOT, "heap %d MiB in use, %d MiB committed (was %d MiB), in %.2f s",
                after.getUsed() >> 20, after.getCommitted() >> 20, before.getCommitted() >> 20,
                (System.nanoTime() - t0) / 1e9);
        return NativeHeap.trim().map(r -> heap + "; " + r).orElse(heap);
    }
}
