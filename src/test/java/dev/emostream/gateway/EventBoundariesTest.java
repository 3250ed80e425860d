package dev.emostream.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.emostream.model.EmotionModel;
import org.junit.jupiter.api.Test;

class EventBoundariesTest {
    final EventBoundaries boundaries = new EventBoundaries(EmotionModel.bundledDescriptor(), 500);

    @Test
    void eventsAreDueAtTheFirstStepEndAtOrAfterEachHop() {
        // The shipped model's steps end at 55 + 40 s ms; the processor's events come at 535, 1015, 1535, ...
        // (GatewayEndToEndTest sees exactly these audio_end_ms on the socket).
        assertEquals(535.0, boundaries.next(0), 1e-9);
        assertEquals(535.0, boundaries.next(534.9), 1e-9);
        assertEquals(1015.0, boundaries.next(535), 1e-9);
        assertEquals(1535.0, boundaries.next(1015), 1e-9);
        assertEquals(2015.0, boundaries.next(1600), 1e-9);
    }

    @Test
    void anotherHopGivesOtherPoints() {
        EventBoundaries b = new EventBoundaries(EmotionModel.bundledDescriptor(), 1000);
        assertEquals(1015.0, b.next(0), 1e-9);
        assertEquals(2015.0, b.next(1015), 1e-9);
    }
}
