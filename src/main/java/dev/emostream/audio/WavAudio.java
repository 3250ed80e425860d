package dev.emostream.audio;

import java.util.Arrays;
import java.util.Objects;

/**
 * Decoded audio from a WAV file.
 *
 * @param sampleRate frames per second
 * @param channels   samples per frame
 * @param encoding   how the samples were stored in the file (they are always floats here)
 * @param samples    interleaved samples in [-1, 1] (F32LE files may exceed it), frame by frame;
 *                   not copied, so the caller owns it after construction
 */
public record WavAudio(int sampleRate, int channels, Encoding encoding, float[] samples) {

    public WavAudio {
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
        }
        if (channels <= 0) {
            throw new IllegalArgumentException("channel count must be positive, got " + channels);
        }
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(samples, "samples");
        if (samples.length % channels != 0) {
            throw new IllegalArgumentException(samples.length + " samples do not divide into frames of "
                    + channels + " channels");
        }
    }

    /** Number of frames (samples per channel). */
    public int frames() {
        return samples.length / channels;
    }

    public double durationSeconds() {
        return frames() / (double) sampleRate;
    }

    /** A new mono signal, one sample per frame, chosen or mixed as {@code selection} says. */
    public float[] mono(ChannelSelection selection) {
        float[] mono = new float[frames()];
        selection.toMono(samples, 0, frames(), channels, mono, 0);
        return mono;
    }

    // A record compares arrays by reference; audio is equal when its samples are.
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof WavAudio)) {
            return false;
        }
        WavAudio other = (WavAudio) o;
        return sampleRate == other.sampleRate && channels == other.channels
                && encoding == other.encoding && Arrays.equals(samples, other.samples);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sampleRate, channels, encoding, Arrays.hashCode(samples));
    }

    @Override
    public String toString() {
        return "WavAudio[" + sampleRate + " Hz, " + channels + " ch, " + encoding + ", " + frames() + " frames]";
    }
}
