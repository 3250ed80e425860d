package dev.emostream.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class ThreadFailurePolicyTest {
    @Test
    void replacesFailedThreadsUntilTheyKeepFailingThenStopsTheService() {
        EmotionService.ThreadFailurePolicy policy = new EmotionService.ThreadFailurePolicy(3, Duration.ofMinutes(10));
        RuntimeException failure = new IllegalStateException("boom");
        for (int i = 0; i < 3; i++) {
            assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, policy.handle(failure));
        }
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, policy.handle(failure));
    }

    @Test
    void failuresOutsideTheWindowAreForgotten() throws InterruptedException {
        EmotionService.ThreadFailurePolicy policy = new EmotionService.ThreadFailurePolicy(1, Duration.ofMillis(50));
        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, policy.handle(new IllegalStateException()));
        Thread.sleep(120);
        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, policy.handle(new IllegalStateException()));
    }
}
