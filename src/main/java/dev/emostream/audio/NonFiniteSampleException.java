package dev.emostream.audio;

/**
 * A 32-bit float sample that is NaN or infinite. Such a value would poison every feature
 * computed from the audio, so decoding refuses it; a stream processor dead-letters the record.
 */
public final class NonFiniteSampleException extends AudioFormatException {
    private static final long serialVersionUID = 1L;

    private final long sampleIndex;
    private final float value;

    public NonFiniteSampleException(long sampleIndex, float value) {
        super("f32le sample " + sampleIndex + " is " + value + "; only finite samples are accepted");
        this.sampleIndex = sampleIndex;
        this.value = value;
    }

    /** Index of the offending sample, counted in samples (not frames) from the start of the input. */
    public long sampleIndex() {
        return sampleIndex;
    }

    /** The offending value: NaN, +Infinity or -Infinity. */
    public float value() {
        return value;
    }

    /** The same failure with its index shifted, for callers that decode a long input in pieces. */
    public NonFiniteSampleException offsetBy(long samplesBefore) {
        return new NonFiniteSampleException(sampleIndex + samplesBefore, value);
    }
}
