package dev.emostream.vad;

/** The voice-activity model could not be loaded or run. */
public final class VadException extends RuntimeException {
    public VadException(String message) {
        super(message);
    }

    public VadException(String message, Throwable cause) {
        super(message, cause);
    }
}
