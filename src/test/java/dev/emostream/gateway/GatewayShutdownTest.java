package dev.emostream.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.audio.DemoSignal;
import dev.emostream.contract.EmotionEvent;
import dev.emostream.service.Application;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Stopping the gateway (a deploy, a scale-down) ends its open streams with all their audio. */
class GatewayShutdownTest {
    @Test
    void closingTheGatewayEndsItsOpenStreamsWithEveryChunkWritten() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (Application app = TestApp.start("shutdown-test", Map.of())) {
            float[] voice = DemoSignal.generate(16_000, 1.0, 4);
            WsClient client = WsClient.connect(vertx, app.gateway().port(), null);
            client.start("open-at-shutdown", null, 16_000, "s16le");
            for (int off = 0; off + 320 <= voice.length; off += 320) {
                client.send(GatewayEndToEndTest.s16(voice, off, 320)); // 1 s; the last frame is still being gathered
            }
            Thread.sleep(200); // the chunks have reached the gateway
            app.gateway().close(); // the service keeps running

            EmotionEvent last = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                last = TestApp.latest(app, "open-at-shutdown");
                if (last != null && last.getFinal$()) {
                    break;
                }
                Thread.sleep(100);
            }
            assertNotNull(last, "no event for the stream");
            assertTrue(last.getFinal$(), "the stream was ended: " + last);
            assertEquals("end_of_stream", last.getFinalReason());
            assertEquals(1000, last.getAudioEndMs(), "every chunk, the gathered ones too, was written before the end");
        } finally {
            vertx.close();
        }
    }
}
