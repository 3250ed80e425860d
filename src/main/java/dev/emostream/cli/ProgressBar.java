package dev.emostream.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-line progress display on stderr: redrawn in place on a terminal, a plain line every 10%
 * otherwise (CI logs, pipes), so logs stay readable. Thread-safe; redraws at most every 200 ms.
 */
final class ProgressBar {
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String unit;
    private final long total;
    private final boolean interactive;
    private final long startNanos = System.nanoTime();
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private long lastDrawNanos;
    private int lastDecile = -1;

    ProgressBar(PrintStream out, long total, String unit, boolean interactive) {
        this.out = out;
        this.total = Math.max(total, 1);
        this.unit = unit;
        this.interactive = interactive;
    }

    static ProgressBar forStderr(long total, String unit) {
        return new ProgressBar(System.err, total, unit, System.console() != null);
    }

    void step(boolean ok) {
        long d = done.incrementAndGet();
        if (!ok) {
            failed.incrementAndGet();
        }
        draw(d, d == total);
    }

    private synchronized void draw(long d, boolean last) {
        long now = System.nanoTime();
        if (interactive) {
            if (last || now - lastDrawNanos >= REDRAW_NANOS) {
                lastDrawNanos = now;
                out.print("\r" + line(d, now) + (last ? "\n" : ""));
                out.flush();
            }
        } else {
            int decile = (int) (d * 10 / total);
            if (decile > lastDecile) {
                lastDecile = decile;
                out.println(line(d, now));
            }
        }
    }

    String line(long d, long now) {
        int filled = (int) (WIDTH * d / total);
        double elapsed = (now - startNanos) / 1e9;
        double rate = elapsed > 0 ? d / elapsed : 0;
        long etaSeconds = rate > 0 ? Math.round((total - d) / rate) : 0;
        return String.format(Locale.ROOT, "[%s%s] %d/%d %s (%d failed) %.1f/s eta %dm%02ds",
                "#".repeat(filled), " ".repeat(WIDTH - filled), d, total, unit, failed.get(), rate,
                etaSeconds / 60, etaSeconds % 60);
    }
}
