package dev.emostream.gateway;

/**
 * How much audio one connection may send: {@code factor} seconds of audio per second of wall clock,
 * plus a burst allowance (a client may send what it buffered before connecting). A token bucket
 * measured in audio milliseconds, not messages, so chunk size does not matter.
 */
final class RateLimit {
    private final double factor;
    private final double burstMs;
    private double availableMs;
    private long lastNanos;
    /** Audio allowed beyond the bucket, once: what a client sent while the gateway was not reading. */
    private double creditMs;

    RateLimit(double factor, long burstMs, long nowNanos) {
        this.factor = factor;
        this.burstMs = burstMs;
        this.availableMs = burstMs;
        this.lastNanos = nowNanos;
    }

    /** Takes {@code audioMs} of audio sent at {@code nowNanos}; false when it exceeds the limit (nothing taken). */
    boolean tryTake(double audioMs, long nowNanos) {
        double elapsedMs = (nowNanos - lastNanos) / 1e6;
        lastNanos = nowNanos;
        // The bucket refills at factor x real time and holds the burst plus one chunk's worth.
        availableMs = Math.min(burstMs + audioMs, availableMs + elapsedMs * factor);
        if (audioMs <= creditMs) {
            creditMs -= audioMs;
            return true;
        }
        if (audioMs > availableMs) {
            return false;
        }
        availableMs -= audioMs;
        return true;
    }

    /** Allows {@code ms} of audio beyond the limit: the gateway paused reading for that long (back-pressure). */
    void credit(long ms) {
        creditMs += ms;
    }
}
