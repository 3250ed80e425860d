package dev.emostream.audio;

import java.util.Arrays;

/** Test helpers: whole-signal resampling and test tones. */
final class Resampling {
    private Resampling() {
    }

    /** The whole stream: one process call with all the input, then flush. */
    static float[] oneShot(float[] input, int inputRate, int outputRate) {
        Resampler resampler = new Resampler(inputRate, outputRate);
        float[] out = new float[resampler.maxOutput(input.length) + resampler.maxFlushOutput()];
        int n = resampler.process(input, 0, input.length, out, 0);
        n += resampler.flush(out, n);
        return Arrays.copyOf(out, n);
    }

    /** ceil(inputLength * outputRate / inputRate): the documented stream length. */
    static int expectedLength(int inputLength, int inputRate, int outputRate) {
        return (int) (((long) inputLength * outputRate + inputRate - 1) / inputRate);
    }

    static float[] sine(double frequency, double amplitude, double phase, int rate, int length) {
        float[] x = new float[length];
        for (int n = 0; n < length; n++) {
            x[n] = (float) (amplitude * Math.sin(2 * Math.PI * frequency * n / rate + phase));
        }
        return x;
    }
}
