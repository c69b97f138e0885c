package io.vbpstream.core.runtime;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeHeapTest {

    /**
     * The services run on Linux with glibc and OpenJDK 17.0.9 or later, where the JVM has the command and reports
     * the resident set before and after; elsewhere the trim is a no-op that says nothing.
     */
    @Test
    void trimsAndReportsTheResidentSetOnLinux() {
        Optional<String> report = NativeHeap.trim();
        if (System.getProperty("os.name").startsWith("Linux")) {
            assertTrue(report.isPresent(), "System.trim_native_heap is not available on this JVM");
            assertTrue(report.get().contains("RSS"), report.get());
        } else {
            assertTrue(report.isEmpty(), report.toString());
        }
    }
}
