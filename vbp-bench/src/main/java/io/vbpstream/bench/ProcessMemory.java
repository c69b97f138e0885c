package io.vbpstream.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** A process's resident memory from {@code /proc/<pid>/status}: now ({@code VmRSS}) and its peak ({@code VmHWM}). */
final class ProcessMemory {

    private ProcessMemory() {
    }

    static double rssMiB(long pid) {
        return field(pid, "VmRSS:");
    }

    /** The most the process has had resident since it started. */
    static double peakRssMiB(long pid) {
        return field(pid, "VmHWM:");
    }

    private static double field(long pid, String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(name)) {
                    return Double.parseDouble(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (Exception e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
