package dev.emostream.features;

/** Audio the extractor refuses: non-finite samples or a chunk past the configured size limit. */
public class FeatureInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FeatureInputException(String message) {
        super(message);
    }
}
