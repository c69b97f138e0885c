package io.vbpstream.core.runtime;

import javax.management.JMException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Optional;

/**
 * Gives the C heap's free memory back to the operating system, through the JVM's {@code System.trim_native_heap}
 * diagnostic command (glibc's {@code malloc_trim}; in OpenJDK 17.0.9 and later, on Linux).
 *
 * <p>ONNX Runtime allocates a session's weights and its arena with {@code malloc}. When a session closes, glibc keeps
 * what it freed for later allocations, so a process that swapped a DeiT-Base model out holds the old session's
 * memory as well (the collector's RSS rose 0.7 GB at its first hot swap and stayed up, docs/BENCHMARKS.md). A trim
 * right after the close returns it. It takes milliseconds, and nothing needs to be stopped for it.
 */
public final class NativeHeap {

    private static final String COMMAND = "systemTrimNativeHeap";

    private NativeHeap() {
    }

    /**
     * Trims the C heap now. Returns the JVM's one-line report (the RSS before and after), or empty where the command
     * is not available (another C library, an older JVM).
     */
    public static Optional<String> trim() {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), COMMAND,
                    new Object[] {null}, new String[] {String[].class.getName()});
            String report = String.valueOf(out).trim();
            return report.isEmpty() || report.toLowerCase(Locale.ROOT).contains("not available") ? Optional.empty()
                    : Optional.of(report);
        } catch (JMException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
