package dev.emostream.audio;

/**
 * A 32-bit float sample that is NaN or infinite. Such a value would poison every feature
 * computed from the audio, so decoding refuses it; a stream processor dead-letters the record.
 */
public final class NonFiniteSampleException extends UnusableSampleException {
    private static final long serialVersionUID = 1L;

    public NonFiniteSampleException(long sampleIndex, float value) {
        super("f32le sample " + sampleIndex + " is " + value + "; only finite samples are accepted", sampleIndex, value);
    }

    @Override
    public NonFiniteSampleException offsetBy(long samplesBefore) {
        return new NonFiniteSampleException(sampleIndex() + samplesBefore, value());
    }
}
