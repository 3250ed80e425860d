package dev.emostream.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compares with sox's very-high-quality resampler ({@code rate -v 16000}) on the signals made by
 * src/test/resources/resampler/make_reference.sh: a chirp, tones and band-limited noise, all
 * below 0.85 of the lower Nyquist, where both resamplers are flat.
 *
 * <p>Alignment: sox's rate effect is linear-phase and compensates its delay, so its output n, like
 * ours, is the input at time n / 16000 - no offset is applied. The streams differ only in length
 * (sox rounds inputLength * 16000 / inputRate to nearest, we round up), and the comparison covers
 * the common middle, skipping 0.1 s at each end where the two filters' different lengths show
 * in how they ring against the start and end of the signal.
 */
class ResamplerReferenceTest {
    private static final int OUT = 16000;
    private static final int EDGE_SKIP = OUT / 10;

    @ParameterizedTest
    @ValueSource(ints = {8000, 11025, 22050, 32000, 44100, 48000})
    void matchesSoxVeryHighQualityWithin60Decibels(int rate) throws IOException {
        float[] input = readFloats("input_" + rate + ".f32");
        float[] sox = readFloats("sox_" + rate + "_to_16000.f32");
        float[] ours = Resampling.oneShot(input, rate, OUT);
        assertEquals(Math.round((double) input.length * OUT / rate), sox.length, "sox rounds the length to nearest");

        int end = Math.min(sox.length, ours.length) - EDGE_SKIP;
        double signal = 0;
        double error = 0;
        for (int n = EDGE_SKIP; n < end; n++) {
            signal += (double) sox[n] * sox[n];
            double e = (double) ours[n] - sox[n];
            error += e * e;
        }
        double snrDb = 10 * Math.log10(signal / error);
        assertTrue(snrDb >= 60, rate + " Hz: SNR against sox " + snrDb + " dB");
    }

    private static float[] readFloats(String name) throws IOException {
        try (InputStream stream = ResamplerReferenceTest.class.getResourceAsStream("/resampler/" + name)) {
            assertNotNull(stream, "missing test resource resampler/" + name);
            ByteBuffer bytes = ByteBuffer.wrap(stream.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            float[] samples = new float[bytes.remaining() / Float.BYTES];
            bytes.asFloatBuffer().get(samples);
            return samples;
        }
    }
}
