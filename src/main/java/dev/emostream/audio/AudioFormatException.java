package dev.emostream.audio;

/**
 * Audio that cannot be decoded as declared: an unsupported format, a truncated or malformed
 * container, a payload whose size does not fit its encoding, or input past a configured limit.
 * The message always says what was expected and what was found.
 */
public class AudioFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AudioFormatException(String message) {
        super(message);
    }

    public AudioFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
