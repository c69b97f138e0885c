package io.vbpstream.core.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A terminal progress bar on stderr: redrawn in place on a console, a line every 10% otherwise (logs, CI), and
 * silent when {@code quiet}.
 */
public final class ProgressBar implements AutoCloseable {

    private final String label;
    private final long total;
    private final PrintStream out;
    private final boolean interactive;
    private final boolean quiet;
    private final long start = System.nanoTime();
    private long done;
    private long lastDraw;
    private int lastDecile = -1;

    public ProgressBar(String label, long total, boolean quiet) {
        this.label = label;
        this.total = Math.max(1, total);
        this.out = System.err;
        this.interactive = System.console() != null;
        this.quiet = quiet;
    }

    public synchronized void step(long n) {
        done += n;
        if (quiet) {
            return;
        }
        long now = System.nanoTime();
        int decile = (int) (10 * done / total);
        if (interactive && (now - lastDraw > 100_000_000L || done >= total)) {
            lastDraw = now;
            out.print("\r" + line());
            out.flush();
        } else if (!interactive && decile != lastDecile) {
            lastDecile = decile;
            out.println(line());
        }
    }

    private String line() {
        double frac = Math.min(1.0, (double) done / total);
        int width = 30;
        int filled = (int) (frac * width);
        double secs = (System.nanoTime() - start) / 1e9;
        double rate = secs > 0 ? done / secs : 0;
        String eta = rate > 0 && done < total ? String.format(Locale.ROOT, " eta %.0fs", (total - done) / rate) : "";
        return String.format(Locale.ROOT, "%-10s [%s%s] %3.0f%% %d/%d %.0f/s%s", label,
                "=".repeat(filled), " ".repeat(width - filled), 100 * frac, done, total, rate, eta);
    }

    @Override
    public void close() {
        if (!quiet && interactive) {
            out.println();
        }
    }
}
