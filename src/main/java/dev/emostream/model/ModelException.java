package dev.emostream.model;

/** A model that cannot be loaded or run: missing files, a descriptor or graph that does not fit. */
public class ModelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
