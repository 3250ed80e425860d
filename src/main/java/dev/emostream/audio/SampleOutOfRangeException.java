package dev.emostream.audio;

/**
 * A 32-bit float sample so far beyond full scale ({@link SampleDecoder#MAX_F32_MAGNITUDE}) that it
 * is no audio: values near the float limit would overflow the resampler's and the feature
 * extractor's sums to infinity further down the stream, where no record is left to refuse. So
 * decoding refuses them; a stream processor dead-letters the record.
 */
public final class SampleOutOfRangeException extends UnusableSampleException {
    private static final long serialVersionUID = 1L;

    public SampleOutOfRangeException(long sampleIndex, float value) {
        super("f32le sample " + sampleIndex + " is " + value + ", beyond +-" + SampleDecoder.MAX_F32_MAGNITUDE
                + " (full scale is 1): not audio", sampleIndex, value);
    }

    @Override
    public SampleOutOfRangeException offsetBy(long samplesBefore) {
        return new SampleOutOfRangeException(sampleIndex() + samplesBefore, value());
    }
}
