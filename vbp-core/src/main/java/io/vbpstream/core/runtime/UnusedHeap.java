package io.vbpstream.pruner.prune;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import io.vbpstream.core.runtime.NativeHeap;
import org.jboss.logging.Logger;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;

/**
 * Hands the heap a prune needed back to the operating system before the gate opens its ONNX Runtime sessions. A
 * DeiT-Base prune holds the pruned model, the covariance snapshot and the least-squares work (2.3 GB of heap in use);
 * the gate then needs 1.5 GB of it while the candidate's and the parent's sessions take 0.9 GB outside it. G1 gives
 * committed memory back only when it resizes the heap (after a full collection or a concurrent cycle's remark), and
 * by default only down to 70% free, so without this the process holds the prune's heap and the gate's sessions at
 * once (docs/BENCHMARKS.md: the pruner's peak RSS).
 *
 * <p>{@link #configure} sets {@code MinHeapFreeRatio} 10 and {@code MaxHeapFreeRatio} 30 (both manageable) unless the
 * command line set them; {@link #release} runs a full collection, after which G1 uncommits down to the live set plus
 * 30%. One collection per prune, under 0.2 s at DeiT-Base, on the prune's own thread. The ratios then hold for the
 * life of the JVM: the heap also shrinks after concurrent cycles, and grows back as a prune needs it. The C heap is
 * trimmed after it ({@link NativeHeap}), and again after each gate.
 */
public final class UnusedHeap {

    private static final Logger LOG = Logger.getLogger(UnusedHeap.class);
    static final String MIN = "MinHeapFreeRatio";
    static final String MAX = "MaxHeapFreeRatio";

    private UnusedHeap() {
    }

    /** The free-ratio bounds that let a full collection shrink the heap, where the operator has not chosen their own. */
    public static void configure() {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (hotspot.getVMOption(MIN).getOrigin() != VMOption.Origin.DEFAULT
                    || hotspot.getVMOption(MAX).getOrigin() != VMOption.Origin.DEFAULT) {
                LOG.infof("heap free ratios as set: %s=%s, %s=%s", MIN, hotspot.getVMOption(MIN).getValue(), MAX,
                        hotspot.getVMOption(MAX).getValue());
                return;
            }
            hotspot.setVMOption(MIN, "10"); // first: the minimum may never exceed the maximum
            hotspot.setVMOption(MAX, "30");
        } catch (RuntimeException e) {
            // another JVM, or the flags not manageable there: the heap then keeps what it committed, as before
            LOG.warnf("cannot set the heap's free ratios (%s): the pruner's heap will stay at its high-water mark", e.toString());
        }
    }

    /** A full collection, so that the heap shrinks to its live set (plus the free ratio); logs what it gave back. */
    public static void release() {
        MemoryUsage before = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long t0 = System.nanoTime();
        System.gc();
        MemoryUsage after = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        LOG.infof("heap after the prune: %d MiB in use, %d MiB committed (was %d MiB), in %.2f s", after.getUsed() >> 20,
                after.getCommitted() >> 20, before.getCommitted() >> 20, (System.nanoTime() - t0) / 1e9);
        NativeHeap.trim().ifPresent(r -> LOG.infof("after the prune: %s", r));
    }
}
