package dev.emostream.audio;

import java.util.Locale;
import java.util.Objects;

/**
 * How multi-channel audio becomes the mono signal the feature extractor works on: either one
 * channel picked by 0-based index (e.g. the caller side of a two-channel call recording) or
 * the mean of all channels.
 */
public final class ChannelSelection {

    private static final int DOWNMIX = -1;
    private static final ChannelSelection DOWNMIX_SELECTION = new ChannelSelection(DOWNMIX);

    private final int channel;

    private ChannelSelection(int channel) {
        this.channel = channel;
    }

    /** The mean of all channels. */
    public static ChannelSelection downmix() {
        return DOWNMIX_SELECTION;
    }

    /** Channel {@code index}, counted from 0. Whether the audio has that channel is checked per call. */
    public static ChannelSelection channel(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("channel index must be 0 or more, got " + index);
        }
        return new ChannelSelection(index);
    }

    /**
     * Parses {@code "mix"} (also {@code "downmix"}, any case) or a 0-based channel number.
     *
     * @throws IllegalArgumentException for anything else, naming the accepted forms
     */
    public static ChannelSelection parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("mix") || s.equals("downmix")) {
            return downmix();
        }
        try {
            int index = Integer.parseInt(s);
            if (index >= 0) {
                return channel(index);
            }
        } catch (NumberFormatException e) {
            // fall through to the message that lists the accepted forms
        }
        throw new IllegalArgumentException("invalid channel selection '" + text
                + "': expected 'mix' or a channel number counted from 0");
    }

    public boolean isDownmix() {
        return channel == DOWNMIX;
    }

    /** The selected channel; only meaningful when {@link #isDownmix()} is false. */
    public int channelIndex() {
        if (isDownmix()) {
            throw new IllegalStateException("downmix selects no single channel");
        }
        return channel;
    }

    /**
     * Writes one mono sample per frame of {@code interleaved} (frames of {@code channels}
     * samples starting at {@code off}) to {@code dst} from {@code dstOff}. Working in place
     * ({@code dst == interleaved}, {@code dstOff <= off}) is allowed: each frame is read before
     * any output sample can overwrite it.
     *
     * @return the number of samples written, {@code frames}
     * @throws AudioFormatException if the selected channel does not exist in audio of {@code channels} channels
     * @throws IllegalArgumentException if {@code channels < 1} or {@code frames < 0}
     */
    public int toMono(float[] interleaved, int off, int frames, int channels, float[] dst, int dstOff) {
        if (channels < 1) {
            throw new IllegalArgumentException("channel count must be at least 1, got " + channels);
        }
        if (frames < 0) {
            throw new IllegalArgumentException("frame count must not be negative, got " + frames);
        }
        if (!isDownmix() && channel >= channels) {
            throw new AudioFormatException("channel " + channel + " selected, but the audio has "
                    + channels + (channels == 1 ? " channel (index 0)" : " channels (indices 0.." + (channels - 1) + ")"));
        }
        Objects.checkFromIndexSize(off, Math.multiplyExact(frames, channels), interleaved.length);
        Objects.checkFromIndexSize(dstOff, frames, dst.length);
        if (isDownmix()) {
            for (int f = 0; f < frames; f++) {
                int base = off + f * channels;
                // In double: two f32 channels near Float.MAX_VALUE would sum to Infinity in float.
                double sum = 0;
                for (int c = 0; c < channels; c++) {
                    sum += interleaved[base + c];
                }
                dst[dstOff + f] = (float) (sum / channels);
            }
        } else {
            for (int f = 0; f < frames; f++) {
                dst[dstOff + f] = interleaved[off + f * channels + channel];
            }
        }
        return frames;
    }

    /** {@code "mix"} or the channel number: the form {@link #parse} accepts. */
    @Override
    public String toString() {
        return isDownmix() ? "mix" : Integer.toString(channel);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelSelection && ((ChannelSelection) o).channel == channel;
    }

    @Override
    public int hashCode() {
        return Integer.hashCode(channel);
    }
}
