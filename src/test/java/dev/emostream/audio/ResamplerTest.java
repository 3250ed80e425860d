package dev.emostream.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResamplerTest {
    private static final int OUT = 16000;
    private static final double TONE_AMPLITUDE = 0.5;
    /** Tones last 0.3 s; the fits skip 50 ms at each end, far more than the longest lookahead (3.2 ms). */
    private static final double TONE_SECONDS = 0.3;
    private static final int EDGE_SKIP = OUT / 20;

    // ---------------------------------------------------------------- streaming

    @ParameterizedTest
    @ValueSource(ints = {8000, 11025, 16000, 22050, 32000, 44100, 48000})
    void anyChunkingGivesBitwiseTheOneShotOutput(int rate) {
        Random random = new Random(rate);
        float[] input = new float[rate];
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) (0.25 * random.nextGaussian());
        }
        float[] oneShot = Resampling.oneShot(input, rate, OUT);
        assertEquals(Resampling.expectedLength(input.length, rate, OUT), oneShot.length);

        // One instance for all chunkings: flush must also leave it ready for the next stream.
        Resampler resampler = new Resampler(rate, OUT);
        assertArrayEquals(oneShot, streamInChunks(resampler, input, len -> 1), "1-sample chunks");
        int[] toggle = {0};
        assertArrayEquals(oneShot, streamInChunks(resampler, input, len -> toggle[0]++ % 2),
                "alternating empty and 1-sample chunks");
        for (int trial = 0; trial < 12; trial++) {
            int maxChunk = trial % 3 == 0 ? 8 : trial % 3 == 1 ? 300 : 6000;
            assertArrayEquals(oneShot, streamInChunks(resampler, input, len -> random.nextInt(10) == 0
                    ? 0 : 1 + random.nextInt(maxChunk)), "random chunks up to " + maxChunk + ", trial " + trial);
        }
    }

    /**
     * 8 -> 16 kHz (telephone audio) and whole-number decimation (32, 48 kHz) run in their own vectorised
     * loops; 44.1 kHz takes the generic one. Every output must be, bit for bit, the documented dot product:
     * the coefficient row of the output's phase against the inputs around its position, in four partial
     * sums by tap index mod 4.
     */
    @ParameterizedTest
    @ValueSource(ints = {8000, 32000, 48000, 44100})
    void everyOutputIsTheDotProductOfTheDefinitionBitForBit(int rate) {
        Random random = new Random(rate + 1);
        float[] input = new float[rate / 2 + 37];
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) (0.3 * Math.sin(i * 0.11) + 0.1 * random.nextGaussian());
        }
        Resampler resampler = new Resampler(rate, OUT);
        int gcd = java.math.BigInteger.valueOf(rate).gcd(java.math.BigInteger.valueOf(OUT)).intValue();
        int down = rate / gcd;
        int up = OUT / gcd;
        float[] coefficients = KaiserSincFilter.shared(rate, OUT, up).coefficients();
        int taps = resampler.taps();
        int half = taps / 2;
        float[] streamed = streamInChunks(resampler, input, len -> 1 + random.nextInt(rate / 20));
        for (int n = 0; n < streamed.length; n++) {
            long units = (long) n * down;
            int phase = (int) (units % up);
            long start = units / up - half + 1;
            float[] sums = new float[4];
            for (int j = 0; j < taps; j++) {
                long at = start + j;
                float x = at < 0 || at >= input.length ? 0f : input[(int) at];
                sums[j % 4] += coefficients[phase * taps + j] * x;
            }
            float expected = (sums[0] + sums[1]) + (sums[2] + sums[3]);
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(streamed[n]), "output " + n);
        }
    }

    private interface ChunkSizes {
        int next(int remaining);
    }

    /** Streams the input in chunks of the given sizes into an output offset by 7, checking each call's bound. */
    private static float[] streamInChunks(Resampler resampler, float[] input, ChunkSizes sizes) {
        int outOffset = 7;
        float[] out = new float[outOffset + resampler.maxOutput(input.length) + resampler.maxFlushOutput() + 64];
        int written = 0;
        for (int off = 0; off < input.length; ) {
            int len = Math.min(sizes.next(input.length - off), input.length - off);
            int n = resampler.process(input, off, len, out, outOffset + written);
            assertTrue(n <= resampler.maxOutput(len), "wrote " + n + " > maxOutput(" + len + ")");
            written += n;
            off += len;
        }
        int n = resampler.flush(out, outOffset + written);
        assertTrue(n <= resampler.maxFlushOutput());
        return Arrays.copyOfRange(out, outOffset, outOffset + written + n);
    }

    @ParameterizedTest
    @ValueSource(ints = {8000, 11025, 22050, 32000, 44100, 48000})
    void writesEachOutputAsSoonAsItsLookaheadHasArrived(int rate) {
        Resampler resampler = new Resampler(rate, OUT);
        int lookahead = resampler.lookaheadInputSamples();
        float[] out = new float[OUT];
        int total = 0;
        for (int received = 1; received <= rate / 10; received++) {
            total += resampler.process(new float[] {0.1f}, 0, 1, out, 0);
            // Output n (at input position n*in/out) is ready once input n*in/out + lookahead is here.
            long ready = Math.max(0, Math.floorDiv(((long) received - lookahead) * OUT + rate - 1, rate));
            assertEquals(ready, total, "outputs after " + received + " inputs");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 5, 100, 151, 152, 153, 4095, 4096, 4097, 12345})
    void streamLengthIsCeilingOfInputLengthTimesRatio(int inputLength) {
        for (int rate : Resampler.supportedRates()) {
            float[] out = Resampling.oneShot(new float[inputLength], rate, OUT);
            assertEquals(Resampling.expectedLength(inputLength, rate, OUT), out.length, rate + " Hz");
        }
    }

    @Test
    void resetStartsAFreshStream() {
        Random random = new Random(1);
        float[] input = new float[5000];
        for (int i = 0; i < input.length; i++) {
            input[i] = random.nextFloat() - 0.5f;
        }
        Resampler resampler = new Resampler(44100, OUT);
        float[] out = new float[4000];
        resampler.process(input, 0, 3000, out, 0);
        resampler.reset();
        int n = resampler.process(input, 0, input.length, out, 0);
        n += resampler.flush(out, n);
        assertArrayEquals(Resampling.oneShot(input, 44100, OUT), Arrays.copyOf(out, n));
    }

    @Test
    void sameRateIsAnExactCopyWithoutDelay() {
        Random random = new Random(2);
        float[] input = new float[1000];
        for (int i = 0; i < input.length; i++) {
            input[i] = random.nextFloat() - 0.5f;
        }
        Resampler resampler = new Resampler(16000, 16000);
        float[] out = new float[1000];
        assertEquals(1000, resampler.process(input, 0, 1000, out, 0));
        assertArrayEquals(input, out);
        assertEquals(0, resampler.flush(out, 0));
        assertEquals(0, resampler.lookaheadInputSamples());
    }

    @Test
    void steadyStateAllocatesNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Resampler resampler = new Resampler(44100, OUT);
        float[] in = new float[882]; // 20 ms
        Arrays.fill(in, 0.25f);
        float[] out = new float[resampler.maxOutput(in.length)];
        for (int i = 0; i < 3000; i++) { // warm up, so the JIT has done its work
            resampler.process(in, 0, in.length, out, 0);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 3000; i++) {
            resampler.process(in, 0, in.length, out, 0);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // A few hundred bytes of slack for the measurement itself; one small object per call would be 48 kB.
        assertTrue(allocated < 1000, "allocated " + allocated + " bytes in 3000 calls");
    }

    // ---------------------------------------------------------------- frequency response

    @ParameterizedTest
    @ValueSource(ints = {8000, 11025, 22050, 32000, 44100, 48000})
    void passBandIsFlatWithinATenthOfADecibelAndUndelayed(int rate) {
        double passBandEdge = 0.9 * Math.min(rate, OUT) / 2;
        int points = 41;
        for (int i = 0; i < points; i++) {
            double frequency = 50 * Math.pow(passBandEdge / 50, i / (points - 1.0));
            double phase = 0.3 + i;
            float[] out = Resampling.oneShot(
                    Resampling.sine(frequency, TONE_AMPLITUDE, phase, rate, (int) (TONE_SECONDS * rate)), rate, OUT);
            ToneFit fit = ToneFit.fit(out, EDGE_SKIP, out.length - EDGE_SKIP, frequency, OUT);

            double gainDb = ToneFit.decibels(fit.amplitude / TONE_AMPLITUDE);
            assertTrue(Math.abs(gainDb) <= 0.1, rate + " Hz input, " + frequency + " Hz tone: gain " + gainDb + " dB");
            // Zero delay: output sample n is the input at time n / OUT, so the tone keeps its phase.
            // (A delay of half an output sample would be 0.07 rad at 700 Hz.)
            double expectedPhase = 2 * Math.PI * frequency * EDGE_SKIP / OUT + phase;
            double phaseError = Math.IEEEremainder(fit.phase - expectedPhase, 2 * Math.PI);
            assertTrue(Math.abs(phaseError) < 1e-3, rate + " Hz input, " + frequency + " Hz tone: phase off by " + phaseError);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {22050, 32000, 44100, 48000})
    void downsamplingRejectsTonesAboveTheOutputNyquistBy70Decibels(int rate) {
        double from = OUT / 2.0;
        double to = rate / 2.0 - 10;
        int points = 64;
        for (int i = 0; i < points; i++) {
            double frequency = from + (to - from) * i / (points - 1);
            float[] out = Resampling.oneShot(
                    Resampling.sine(frequency, TONE_AMPLITUDE, 0.7 * i, rate, (int) (TONE_SECONDS * rate)), rate, OUT);
            double rejectionDb = ToneFit.decibels(
                    ToneFit.rms(out, EDGE_SKIP, out.length - EDGE_SKIP) / (TONE_AMPLITUDE / Math.sqrt(2)));
            assertTrue(rejectionDb <= -70, rate + " Hz input, " + frequency + " Hz tone: alias at " + rejectionDb + " dB");
        }
    }

    /**
     * Upsampling leaves images of each tone at inputRate - f (and, for 11025 Hz, folded again at
     * the output Nyquist). Rather than chase each image frequency, this fits the tone and requires
     * everything else in the output - images included - to be 70 dB below the input tone.
     * Tones run up to the input Nyquist: in the transition band the tone itself fades, but its
     * image, beyond the input Nyquist, must still be rejected.
     */
    @ParameterizedTest
    @ValueSource(ints = {8000, 11025})
    void upsamplingRejectsImagesAboveTheInputNyquistBy70Decibels(int rate) {
        double to = 0.999 * rate / 2;
        int points = 64;
        for (int i = 0; i < points; i++) {
            double frequency = 50 * Math.pow(to / 50, i / (points - 1.0));
            float[] out = Resampling.oneShot(
                    Resampling.sine(frequency, TONE_AMPLITUDE, 0.7 * i, rate, (int) (TONE_SECONDS * rate)), rate, OUT);
            ToneFit fit = ToneFit.fit(out, EDGE_SKIP, out.length - EDGE_SKIP, frequency, OUT);
            double imagesDb = ToneFit.decibels(fit.residualRms / (TONE_AMPLITUDE / Math.sqrt(2)));
            assertTrue(imagesDb <= -70, rate + " Hz input, " + frequency + " Hz tone: images at " + imagesDb + " dB");
        }
    }

    // ---------------------------------------------------------------- bad input

    @ParameterizedTest
    @ValueSource(doubles = {0.9, 1.1})
    void speedChangePlaysTheAudioFasterOrSlowerAtTheSameRate(double speed) {
        int n = (int) (TONE_SECONDS * OUT);
        float[] in = Resampling.sine(1000, TONE_AMPLITUDE, 0.3, OUT, n);
        Resampler r = Resampler.speedChange(OUT, speed);
        float[] out = new float[r.maxOutput(n) + r.maxFlushOutput()];
        int written = r.process(in, 0, n, out, 0);
        written += r.flush(out, written);
        // Tempo and pitch together: 1/speed as many samples, a 1000 * speed Hz tone, same phase at the start.
        assertEquals((long) Math.ceil(n / speed - 1e-9), written);
        ToneFit fit = ToneFit.fit(Arrays.copyOf(out, written), EDGE_SKIP, written - EDGE_SKIP, 1000 * speed, OUT);
        assertTrue(Math.abs(ToneFit.decibels(fit.amplitude / TONE_AMPLITUDE)) <= 0.1, "gain " + fit.amplitude);
        assertTrue(fit.residualRms < 1e-3 * TONE_AMPLITUDE, "residual " + fit.residualRms);
        double expectedPhase = 2 * Math.PI * 1000 * speed * EDGE_SKIP / OUT + 0.3;
        assertTrue(Math.abs(Math.IEEEremainder(fit.phase - expectedPhase, 2 * Math.PI)) < 1e-3, "phase " + fit.phase);

        assertThrows(IllegalArgumentException.class, () -> Resampler.speedChange(OUT, 1.00001));
        assertThrows(IllegalArgumentException.class, () -> Resampler.speedChange(OUT, 3));
    }

    @Test
    void unsupportedRatesAreRejectedWithTheSupportedList() {
        AudioFormatException e = assertThrows(AudioFormatException.class, () -> new Resampler(96000, OUT));
        assertTrue(e.getMessage().contains("96000"), e.getMessage());
        assertTrue(e.getMessage().contains("8000, 11025, 16000, 22050, 32000, 44100, 48000"), e.getMessage());
        assertThrows(AudioFormatException.class, () -> new Resampler(OUT, 12000));
        assertThrows(AudioFormatException.class, () -> new Resampler(0, OUT));
    }

    @Test
    void invalidArgumentsAreRejectedBeforeAnythingIsConsumed() {
        Resampler resampler = new Resampler(48000, OUT);
        float[] in = new float[960];
        float[] out = new float[320];
        assertThrows(NullPointerException.class, () -> resampler.process(null, 0, 0, out, 0));
        assertThrows(NullPointerException.class, () -> resampler.process(in, 0, 0, null, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> resampler.process(in, -1, 10, out, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> resampler.process(in, 0, -1, out, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> resampler.process(in, 900, 61, out, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> resampler.process(in, 0, 960, out, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> resampler.process(in, 0, 0, out, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> resampler.flush(new float[10], 0));
        assertThrows(IllegalArgumentException.class, () -> resampler.maxOutput(-1));

        // The failed calls consumed nothing: the stream is still the same as a fresh one.
        float[] signal = Resampling.sine(1000, 0.5, 0, 48000, 960);
        float[] streamed = new float[320 + resampler.maxFlushOutput()];
        int n = resampler.process(signal, 0, 960, streamed, 0);
        n += resampler.flush(streamed, n);
        assertArrayEquals(Resampling.oneShot(signal, 48000, OUT), Arrays.copyOf(streamed, n));
    }
}
