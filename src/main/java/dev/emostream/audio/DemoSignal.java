package dev.emostream.audio;

import java.util.Random;

/**
 * A synthetic voice-like test signal, so the demo needs no audio file: a glottal pulse train with
 * a moving pitch (110-230 Hz) shaped by the formants of three vowels (/a/, /i/, /u/), separated by
 * pauses, then a rising chirp; light noise throughout. Deterministic for a given seed.
 */
public final class DemoSignal {
    private DemoSignal() {
    }

    /** Formant frequencies (Hz) and bandwidths of three vowels, from classic measurements. */
    private static final double[][][] VOWELS = {
        {{730, 90}, {1090, 110}, {2440, 170}},   // a
        {{270, 60}, {2290, 100}, {3010, 160}},   // i
        {{300, 60}, {870, 90}, {2240, 150}},     // u
    };

    public static float[] generate(int sampleRate, double seconds, long seed) {
        int n = (int) Math.round(sampleRate * seconds);
        float[] x = new float[n];
        Random random = new Random(seed);
        double segment = seconds / 8; // vowel, pause, vowel, pause, vowel, pause, chirp, pause
        double phase = 0;
        for (int i = 0; i < n; i++) {
            double t = i / (double) sampleRate;
            int part = (int) (t / segment);
            double within = t / segment - part;
            double v = 0;
            if (part < 6 && part % 2 == 0) {
                double f0 = 110 + 120 * within * (part == 2 ? -1 : 1) + (part == 2 ? 120 : 0);
                phase += 2 * Math.PI * f0 / sampleRate;
                v = vowel(VOWELS[part / 2], phase, f0, sampleRate) * Math.sin(Math.PI * within);
            } else if (part == 6) {
                double f = 100 * Math.pow(60, within); // 100 Hz to 6 kHz
                phase += 2 * Math.PI * f / sampleRate;
                v = 0.3 * Math.sin(phase);
            }
            x[i] = (float) (v + 0.003 * random.nextGaussian());
        }
        return x;
    }

    /** Sum of the harmonics of f0 below Nyquist, each weighted by the vowel's formant resonances. */
    private static double vowel(double[][] formants, double phase, double f0, int sampleRate) {
        double sum = 0;
        for (int h = 1; h * f0 < Math.min(5000, sampleRate / 2.0); h++) {
            double f = h * f0;
            double gain = 0;
            for (double[] formant : formants) {
                double d = (f - formant[0]) / formant[1];
                gain += 1 / (1 + d * d);
            }
            sum += gain * Math.sin(h * phase) / Math.sqrt(h);
        }
        return 0.08 * sum;
    }
}
