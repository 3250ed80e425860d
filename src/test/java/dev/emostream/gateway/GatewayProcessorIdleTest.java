package dev.emostream.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.audio.DemoSignal;
import dev.emostream.contract.EmotionEvent;
import dev.emostream.service.Application;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The stream processor's idle timeout shorter than the gateway's: the processor ends a quiet
 * client's stream itself, and the gateway must then close the socket without ending the stream a
 * second time (which would start a new stream of that id with an empty final event).
 */
class GatewayProcessorIdleTest {
    @Test
    void aStreamTheProcessorEndedIsClosedWithItsFinalEventKept() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (Application app = TestApp.start("processor-idle-test", Map.of("vad.enabled", "false", "idle.timeout.ms", "1500",
                "idle.check.interval.ms", "100", "gateway.idle.timeout.ms", "60000"))) {
            float[] voice = DemoSignal.generate(16_000, 1.0, 5);
            try (WsClient client = WsClient.connect(vertx, app.gateway().port(), null)) {
                client.start("quiet-client", null, 16_000, "s16le");
                for (int off = 0; off + 320 <= voice.length; off += 320) {
                    client.send(GatewayEndToEndTest.s16(voice, off, 320));
                }
                // The client stays connected and silent: the processor's idle timeout ends the stream.
                List<JsonObject> messages = client.untilClosed(30);
                assertEquals(AudioConnection.IDLE_TIMEOUT, client.closeStatus(1).code(), "messages: " + messages);
                JsonObject error = messages.get(messages.size() - 1);
                assertEquals("idle_timeout", error.getString("code"), error.encode());
                assertTrue(error.getString("message").contains("stream processor ended"), error.encode());
                JsonObject last = messages.stream().filter(m -> m.getBoolean("final", false)).findFirst().orElseThrow();
                assertEquals("idle_timeout", last.getString("final_reason"));
            }
            Thread.sleep(1_000); // what a second end would have produced by now
            EmotionEvent event = TestApp.latest(app, "quiet-client");
            assertTrue(event.getFinal$());
            assertEquals("idle_timeout", event.getFinalReason(), "the final event is the processor's, not a second one");
            assertEquals(1000, event.getAudioEndMs());
            assertFalse(event.getProbabilities().isEmpty());
            assertEquals(0, app.service().counters().deadLettersTotal());
            assertEquals(1, app.service().counters().finalEvents(), "one final event");
        } finally {
            vertx.close();
        }
    }
}
