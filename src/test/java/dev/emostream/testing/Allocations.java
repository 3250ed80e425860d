package dev.emostream.testing;

import java.lang.management.ManagementFactory;

/** Measures what a piece of code allocates on the current thread, after JIT warm-up. */
public final class Allocations {
    private Allocations() {
    }

    /**
     * Runs {@code round} {@code warmRounds} times (so the JIT has compiled it and buffers have
     * grown), then {@code measuredRounds} times, and returns the bytes the measured rounds allocated.
     */
    public static long steadyStateBytes(Runnable round, int warmRounds, int measuredRounds) {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < warmRounds; i++) {
            round.run();
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < measuredRounds; i++) {
            round.run();
        }
        return threads.getCurrentThreadAllocatedBytes() - before;
    }
}
