package dev.emostream.stream;

import java.util.Locale;

/** An EmotionEvent's {@code event_type}, as written on the wire (lower case). */
public enum EventKind {
    PROGRESS, UTTERANCE_START, UTTERANCE_END, STREAM_END;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
