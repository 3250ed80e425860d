package dev.emostream.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TelephonyChannelTest {

    private static float[] run(TelephonyChannel channel, float[] x, int maxChunk, Random random) {
        float[] out = new float[channel.maxOutput(x.length) + channel.maxFlushOutput()];
        int n = 0;
        for (int pos = 0; pos < x.length; ) {
            int len = Math.min(x.length - pos, maxChunk <= 1 ? 1 : 1 + random.nextInt(maxChunk));
            n += channel.process(x, pos, len, out, n);
            pos += len;
        }
        n += channel.flush(out, n);
        return Arrays.copyOf(out, n);
    }

    private static float[] tones(int rate, double seconds, double... hz) {
        float[] x = new float[(int) (rate * seconds)];
        for (int i = 0; i < x.length; i++) {
            for (double f : hz) {
                x[i] += (float) (0.2 * Math.sin(2 * Math.PI * f * i / rate));
            }
        }
        return x;
    }

    /** Amplitude of the component at {@code hz} (least squares over the middle of the signal). */
    private static double amplitude(float[] x, int rate, double hz) {
        double s = 0;
        double c = 0;
        int from = x.length / 4;
        int to = 3 * x.length / 4;
        for (int i = from; i < to; i++) {
            s += x[i] * Math.sin(2 * Math.PI * hz * i / rate);
            c += x[i] * Math.cos(2 * Math.PI * hz * i / rate);
        }
        return 2 * Math.hypot(s, c) / (to - from);
    }

    @Test
    void keepsTheTelephoneBandAndRemovesWhatIsAbove() {
        float[] x = tones(16_000, 1.0, 1000, 6000);
        float[] y = run(new TelephonyChannel(16_000, TelephonyChannel.Law.MULAW), x, 4096, new Random(1));
        assertEquals(8_000, y.length); // ceil(16000 * 8000 / 16000)
        assertEquals(0.2, amplitude(y, 8_000, 1000), 0.002, "1 kHz passes");
        // 6 kHz cannot exist at 8 kHz; had it aliased it would sit at 2 kHz
        assertTrue(amplitude(y, 8_000, 2000) < 0.2 * 1e-3, "6 kHz is filtered, not aliased");
    }

    @Test
    void everySampleIsAG711Level() {
        float[] y = run(new TelephonyChannel(44_100, TelephonyChannel.Law.ALAW), tones(44_100, 0.3, 440, 1250),
                1000, new Random(2));
        for (float v : y) {
            short s = (short) Math.round(v * 32768f);
            assertEquals(s, G711.alawToLinear(G711.linearToAlaw(s)), "an A-law level: " + s);
        }
        // digital silence comes out at A-law's smallest level (it has no zero: +-8 in 16-bit)
        float[] clean = run(new TelephonyChannel(44_100, TelephonyChannel.Law.ALAW), new float[13_230], 1000, new Random(2));
        for (float v : clean) {
            assertEquals(8 / 32768f, Math.abs(v), 1e-9f, "silence maps to the smallest A-law level");
        }
    }

    @Test
    void anyChunkingGivesTheSameLine() {
        float[] x = tones(48_000, 0.5, 300, 2500, 7000);
        Random random = new Random(3);
        float[] oneShot = run(new TelephonyChannel(48_000, TelephonyChannel.Law.MULAW), x, x.length, random);
        for (int maxChunk : new int[] {1, 17, 960}) {
            assertArrayEquals(oneShot, run(new TelephonyChannel(48_000, TelephonyChannel.Law.MULAW), x, maxChunk, random));
        }
        // carry(): the whole signal in one call, flushed, is the same line.
        assertArrayEquals(oneShot, TelephonyChannel.carry(x, 48_000, TelephonyChannel.Law.MULAW));
    }

    @Test
    void lawNamesParse() {
        assertEquals(TelephonyChannel.Law.MULAW, TelephonyChannel.Law.parse("mu-law"));
        assertEquals(TelephonyChannel.Law.ALAW, TelephonyChannel.Law.parse("A-law"));
        assertThrows(IllegalArgumentException.class, () -> TelephonyChannel.Law.parse("gsm"));
    }
}
