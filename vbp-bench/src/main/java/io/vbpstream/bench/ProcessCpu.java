package io.vbpstream.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's CPU time from {@code /proc/<pid>/stat}: user plus system, every thread's, in seconds (the kernel's
 * clock ticks, 100 a second on Linux). With every part of a benchmark on one machine, each process's share of the
 * cores says where the time went.
 */
final class ProcessCpu {

    private static final double TICKS_PER_SECOND = 100.0;

    private ProcessCpu() {
    }

    /** CPU seconds the process has used so far, or NaN when it cannot be read. */
    static double seconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // the command name (field 2) is in parentheses and may hold spaces: count fields after its closing one
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    /** This JVM's own CPU seconds. */
    static double self() {
        return seconds(ProcessHandle.current().pid());
    }
}
