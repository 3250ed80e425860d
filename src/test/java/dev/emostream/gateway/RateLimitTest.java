package dev.emostream.gateway;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RateLimitTest {
    static final long MS = 1_000_000;

    @Test
    void realTimeAudioPassesForeverAtFactorTwo() {
        RateLimit limit = new RateLimit(2.0, 0, 0);
        for (long t = 20; t <= 600_000; t += 20) {
            assertTrue(limit.tryTake(20, t * MS), "20 ms of audio every 20 ms, at " + t + " ms");
        }
    }

    @Test
    void theBurstIsAllowedOnceThenTheRate() {
        RateLimit limit = new RateLimit(2.0, 2000, 0);
        for (int i = 0; i < 100; i++) {
            assertTrue(limit.tryTake(20, 0), "2 s of buffered audio at once");
        }
        assertFalse(limit.tryTake(20, 0), "the burst is spent");
        assertTrue(limit.tryTake(20, 10 * MS), "10 ms later: 20 ms of audio earned at 2x");
        assertFalse(limit.tryTake(20, 10 * MS));
    }

    @Test
    void threeTimesRealTimeIsRefusedAtFactorTwo() {
        RateLimit limit = new RateLimit(2.0, 1000, 0);
        long t = 0;
        boolean refused = false;
        for (int i = 0; i < 1000 && !refused; i++) {
            t += 20 * MS;
            refused = !limit.tryTake(60, t);
        }
        assertTrue(refused, "60 ms of audio every 20 ms exceeds 2x once the 1 s burst is used");
    }

    @Test
    void idleTimeDoesNotBankMoreThanTheBurst() {
        RateLimit limit = new RateLimit(2.0, 500, 0);
        long t = 3_600_000 * MS; // an hour of silence
        int passed = 0;
        while (limit.tryTake(20, t)) {
            passed++;
        }
        assertTrue(passed <= 26, "at most the 500 ms burst (+ one chunk) after a long pause, got " + passed * 20 + " ms");
    }

    @Test
    void aCreditLetsThroughTheBacklogOfAPauseOnce() {
        RateLimit limit = new RateLimit(2.0, 0, 0);
        limit.credit(3000); // the gateway did not read this socket for 3 s
        for (int i = 0; i < 150; i++) {
            assertTrue(limit.tryTake(20, 0), "3 s of audio that waited in the socket");
        }
        assertFalse(limit.tryTake(20, 0), "then the rate again");
    }
}
