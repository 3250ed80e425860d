package dev.emostream.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.contract.EmotionEvent;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How `tail` prints an event: utterances carry the event's own number, as its JSON and `classify` do. */
class TailFormatTest {
    private static EmotionEvent event(String type, Integer utterance, String label) {
        return EmotionEvent.newBuilder()
                .setStreamId("s1").setCallId(null).setRole("customer").setAudioStartMs(0).setAudioEndMs(540)
                .setLabel(label).setConfidence(label == null ? 0f : 0.5f)
                .setLabels(List.of("neutral", "angry")).setProbabilities(label == null ? List.of() : List.of(0.5f, 0.5f))
                .setModelVersion("test").setLastSequence(26).setFrameTime(Instant.EPOCH).setEmitTime(Instant.EPOCH)
                .setProcessingLatencyMs(12).setFinal$(false).setFinalReason(null)
                .setEventType(type).setUtterance(utterance).setSpeech(true).build();
    }

    @Test
    void utteranceNumbersAreTheEventsOwn() {
        String start = TailCommand.format(event("utterance_start", 0, null));
        assertTrue(start.endsWith("[utterance 0 starts]"), start);
        String end = TailCommand.format(event("utterance_end", 2, "angry"));
        assertTrue(end.endsWith("[utterance 2: its mean]"), end);
        assertTrue(end.contains("angry     0.50"), end);
    }
}
