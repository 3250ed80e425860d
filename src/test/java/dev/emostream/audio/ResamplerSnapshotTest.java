package dev.emostream.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A stream moved to another resampler through snapshot/restore continues bit for bit. */
class ResamplerSnapshotTest {
    private static final int OUT = 16000;

    private static float[] noise(int length, long seed) {
        Random random = new Random(seed);
        float[] x = new float[length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.25 * random.nextGaussian());
        }
        return x;
    }

    @ParameterizedTest
    @ValueSource(ints = {8000, 11025, 16000, 22050, 32000, 44100, 48000})
    void restoredStreamContinuesBitForBit(int rate) {
        float[] input = noise(rate / 2, rate);
        float[] oneShot = Resampling.oneShot(input, rate, OUT);
        // Split points: the very start (history is pre-stream silence), odd places, one sample before the end.
        for (int split : new int[] {0, 1, 333, input.length / 2 + 7, input.length - 1}) {
            Resampler first = new Resampler(rate, OUT);
            float[] out = new float[oneShot.length + 16];
            int written = first.process(input, 0, split, out, 0);
            Resampler.Snapshot snapshot = first.snapshot();
            assertTrue(snapshot.history().length <= Math.max(0, first.taps() - 1), "history is at most taps - 1");

            Resampler second = new Resampler(rate, OUT);
            second.process(noise(999, 1), 0, 999, new float[second.maxOutput(999)], 0); // state to be replaced
            second.restore(snapshot);
            written += second.process(input, split, input.length - split, out, written);
            written += second.flush(out, written);

            assertArrayEquals(oneShot, Arrays.copyOf(out, written), rate + " Hz, split at " + split);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {8000, 44100, 48000})
    void snapshotOfOtherRatesIsRefused(int rate) {
        Resampler.Snapshot other = new Resampler(22050, OUT).snapshot();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Resampler(rate, OUT).restore(other));
        assertTrue(e.getMessage().contains("22050 -> 16000 Hz") && e.getMessage().contains(rate + " -> 16000 Hz"),
                e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {16000, 44100})
    void inconsistentSnapshotIsRefusedAndLeavesTheStreamAsItWas(int rate) {
        float[] input = noise(rate / 4, 7);
        float[] oneShot = Resampling.oneShot(input, rate, OUT);
        Resampler resampler = new Resampler(rate, OUT);
        float[] out = new float[oneShot.length + 16];
        int half = input.length / 2;
        int written = resampler.process(input, 0, half, out, 0);
        Resampler.Snapshot good = resampler.snapshot();

        Resampler.Snapshot[] bad = {
            new Resampler.Snapshot(rate, OUT, good.inputConsumed(), good.outputWritten(),
                    Arrays.copyOf(good.history(), good.history().length + 1)),
            new Resampler.Snapshot(rate, OUT, good.inputConsumed() + 1000, good.outputWritten(), good.history()),
            new Resampler.Snapshot(rate, OUT, -1, good.outputWritten(), good.history()),
            new Resampler.Snapshot(rate, OUT, good.inputConsumed(), Long.MAX_VALUE / 2, good.history()),
        };
        for (Resampler.Snapshot snapshot : bad) {
            assertThrows(IllegalArgumentException.class, () -> resampler.restore(snapshot), snapshot.toString());
        }
        written += resampler.process(input, half, input.length - half, out, written);
        written += resampler.flush(out, written);
        assertArrayEquals(oneShot, Arrays.copyOf(out, written), "stream unchanged by the refused restores");
        assertEquals(oneShot.length, written);
    }
}
