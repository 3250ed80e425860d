package dev.emostream.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChannelSelectionTest {

    /** Frames of {@code channels} random samples. */
    private static float[] interleaved(int frames, int channels, long seed) {
        Random random = new Random(seed);
        float[] samples = new float[frames * channels];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = random.nextFloat() * 2 - 1;
        }
        return samples;
    }

    @Test
    void picksTheSelectedChannelOfEachFrame() {
        int channels = 3;
        float[] in = interleaved(50, channels, 1);
        float[] out = new float[50];

        int written = ChannelSelection.channel(1).toMono(in, 0, 50, channels, out, 0);

        assertEquals(50, written);
        for (int f = 0; f < 50; f++) {
            assertEquals(in[f * channels + 1], out[f], 0f, "frame " + f);
        }
    }

    @Test
    void downmixIsTheMeanOfTheChannels() {
        int channels = 4;
        float[] in = interleaved(50, channels, 2);
        float[] out = new float[50];

        ChannelSelection.downmix().toMono(in, 0, 50, channels, out, 0);

        for (int f = 0; f < 50; f++) {
            double mean = 0;
            for (int c = 0; c < channels; c++) {
                mean += in[f * channels + c];
            }
            mean /= channels;
            assertEquals(mean, out[f], 1e-6, "frame " + f);
        }
    }

    @Test
    void downmixOfIdenticalChannelsIsThatChannel() {
        float[] in = {0.5f, 0.5f, -0.25f, -0.25f, 1f, 1f};
        float[] out = new float[3];
        ChannelSelection.downmix().toMono(in, 0, 3, 2, out, 0);
        assertArrayEquals(new float[] {0.5f, -0.25f, 1f}, out);
    }

    @Test
    void downmixOfLoudFloatChannelsDoesNotOverflow() {
        // f32le files may hold any finite value; a float sum of these two is Infinity.
        float[] in = {3e38f, 3e38f, -3e38f, 3e38f};
        float[] out = new float[2];
        ChannelSelection.downmix().toMono(in, 0, 2, 2, out, 0);
        assertArrayEquals(new float[] {3e38f, 0f}, out);
    }

    @Test
    void monoInputComesOutUnchanged() {
        float[] in = interleaved(20, 1, 3);
        float[] picked = new float[20];
        float[] mixed = new float[20];
        ChannelSelection.channel(0).toMono(in, 0, 20, 1, picked, 0);
        ChannelSelection.downmix().toMono(in, 0, 20, 1, mixed, 0);
        assertArrayEquals(in, picked);
        assertArrayEquals(in, mixed);
    }

    @Test
    void honoursOffsets() {
        float[] in = {9f, 1f, 2f, 3f, 4f, 9f};
        float[] out = {7f, 7f, 7f, 7f};
        ChannelSelection.channel(1).toMono(in, 1, 2, 2, out, 1);
        assertArrayEquals(new float[] {7f, 2f, 4f, 7f}, out);
    }

    @Test
    void canWorkInPlace() {
        float[] in = interleaved(30, 2, 4);
        float[] expected = new float[30];
        ChannelSelection.downmix().toMono(in, 0, 30, 2, expected, 0);

        ChannelSelection.downmix().toMono(in, 0, 30, 2, in, 0);

        assertArrayEquals(expected, java.util.Arrays.copyOf(in, 30));
    }

    @Test
    void channelBeyondTheAudioIsAFormatError() {
        AudioFormatException e = assertThrows(AudioFormatException.class,
                () -> ChannelSelection.channel(2).toMono(new float[4], 0, 2, 2, new float[2], 0));
        assertTrue(e.getMessage().contains("channel 2") && e.getMessage().contains("2 channels"), e.getMessage());
    }

    @Test
    void negativeChannelIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ChannelSelection.channel(-1));
    }

    @Test
    void parsesMixAndChannelNumbers() {
        assertTrue(ChannelSelection.parse("mix").isDownmix());
        assertTrue(ChannelSelection.parse(" MIX ").isDownmix());
        assertTrue(ChannelSelection.parse("downmix").isDownmix());
        assertEquals(ChannelSelection.channel(0), ChannelSelection.parse("0"));
        assertEquals(ChannelSelection.channel(7), ChannelSelection.parse(" 7"));
        assertFalse(ChannelSelection.parse("3").isDownmix());
        assertEquals(3, ChannelSelection.parse("3").channelIndex());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-1", "left", "1.5", "mixx", "99999999999"})
    void rejectsAnythingElse(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChannelSelection.parse(text));
        assertTrue(e.getMessage().contains("'mix'"), e.getMessage());
    }

    @Test
    void toStringParsesBack() {
        for (ChannelSelection s : new ChannelSelection[] {ChannelSelection.downmix(), ChannelSelection.channel(5)}) {
            assertEquals(s, ChannelSelection.parse(s.toString()));
        }
    }

    @Test
    void downmixHasNoChannelIndex() {
        assertThrows(IllegalStateException.class, () -> ChannelSelection.downmix().channelIndex());
    }
}
