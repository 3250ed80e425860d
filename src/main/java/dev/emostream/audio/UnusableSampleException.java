package dev.emostream.audio;

/**
 * A 32-bit float sample that cannot be audio: decoding refuses it, naming where it is, and a
 * stream processor dead-letters the record ({@link NonFiniteSampleException},
 * {@link SampleOutOfRangeException}).
 */
public abstract class UnusableSampleException extends AudioFormatException {
    private static final long serialVersionUID = 1L;

    private final long sampleIndex;
    private final float value;

    UnusableSampleException(String message, long sampleIndex, float value) {
        super(message);
        this.sampleIndex = sampleIndex;
        this.value = value;
    }

    /** Index of the offending sample, counted in samples (not frames) from the start of the input. */
    public long sampleIndex() {
        return sampleIndex;
    }

    /** The offending value. */
    public float value() {
        return value;
    }

    /** The same failure with its index shifted, for callers that decode a long input in pieces. */
    public abstract UnusableSampleException offsetBy(long samplesBefore);
}
