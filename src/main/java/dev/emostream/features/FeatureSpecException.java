package dev.emostream.features;

/** A feature spec that is malformed or asks for something this extractor does not compute. */
public class FeatureSpecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FeatureSpecException(String message) {
        super(message);
    }

    public FeatureSpecException(String message, Throwable cause) {
        super(message, cause);
    }
}
