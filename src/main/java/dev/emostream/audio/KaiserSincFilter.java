package dev.emostream.audio;

/**
 * The low-pass filter behind {@link Resampler}: a Kaiser-windowed sinc, sampled as a polyphase
 * table so that each output sample costs exactly {@link #taps()} multiply-adds.
 *
 * <p>Design rule (kept here, in one place, so the numbers in the Resampler documentation and the
 * tests have a single source): with the lower of the two Nyquist frequencies as reference,
 * <ul>
 *   <li>pass band up to {@value #PASSBAND_EDGE} of it, stop band from {@value #STOPBAND_EDGE} of it;
 *   <li>cut-off (the sinc's half-amplitude point) in the middle of that transition, 0.95;
 *   <li>Kaiser's empirical formulas for {@value #DESIGN_ATTENUATION_DB} dB ripple:
 *       beta = 0.1102 (A - 8.7), length = (A - 7.95) / (2.285 dw) + 1 input samples, where dw is
 *       the transition width in radians per input sample; rounded up to a multiple of 4 so the
 *       dot product unrolls without a tail.
 * </ul>
 * The specification asks for 70 dB rejection and 0.1 dB pass-band flatness; designing for 80 dB
 * (ripple 1e-4, i.e. 0.001 dB in the pass band) keeps a 10 dB margin against Kaiser's formula
 * being an approximation and leaves the pass band flat enough to match sox to better than -60 dB.
 */
final class KaiserSincFilter {
    static final double PASSBAND_EDGE = 0.90;
    static final double STOPBAND_EDGE = 1.00;
    static final double DESIGN_ATTENUATION_DB = 80.0;

    /** Designed filters by rate pair: the tables are read-only, and a 44.1 kHz one is ~190 KB. */
    private static final java.util.concurrent.ConcurrentMap<Long, KaiserSincFilter> SHARED =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final int phases;
    private final int taps;
    private final double beta;
    private final double cutoffHz;
    private final float[] coefficients;

    /**
     * The filter for a rate pair, designed once per process and shared by every resampler of those
     * rates (a service holds thousands of streams; their coefficients need not be copies).
     */
    static KaiserSincFilter shared(int inputRate, int outputRate, int phases) {
        long key = ((long) inputRate << 32) | outputRate;
        return SHARED.computeIfAbsent(key, k -> new KaiserSincFilter(inputRate, outputRate, phases));
    }

    /**
     * @param inputRate  input sample rate, Hz
     * @param outputRate output sample rate, Hz
     * @param phases     number of distinct fractional positions of output samples between two
     *                   input samples (the up factor L of the reduced ratio)
     */
    KaiserSincFilter(int inputRate, int outputRate, int phases) {
        double lowerNyquist = Math.min(inputRate, outputRate) / 2.0;
        double transitionRadiansPerInputSample =
                2 * Math.PI * (STOPBAND_EDGE - PASSBAND_EDGE) * lowerNyquist / inputRate;
        double kaiserLength = (DESIGN_ATTENUATION_DB - 7.95) / (2.285 * transitionRadiansPerInputSample) + 1;
        this.phases = phases;
        this.taps = 4 * (int) Math.ceil(kaiserLength / 4);
        this.beta = 0.1102 * (DESIGN_ATTENUATION_DB - 8.7);
        this.cutoffHz = (PASSBAND_EDGE + STOPBAND_EDGE) / 2 * lowerNyquist;
        this.coefficients = polyphaseTable(cutoffHz / inputRate);
    }

    /**
     * Row p holds the sub-filter for output instants p/phases of an input sample past input index i;
     * its tap j weights input sample i - taps/2 + 1 + j, so the time from that sample to the output
     * instant is tau = p/phases + taps/2 - 1 - j input samples.
     */
    private float[] polyphaseTable(double cutoffCyclesPerInputSample) {
        int half = taps / 2;
        double besselBeta = besselI0(beta);
        float[] table = new float[phases * taps];
        double[] row = new double[taps];
        for (int p = 0; p < phases; p++) {
            double sum = 0;
            for (int j = 0; j < taps; j++) {
                double tau = (double) p / phases + half - 1 - j;
                row[j] = 2 * cutoffCyclesPerInputSample * sinc(2 * cutoffCyclesPerInputSample * tau)
                        * kaiser(tau / half, besselBeta);
                sum += row[j];
            }
            // Each phase gets exactly unit DC gain: a phase-dependent gain error would modulate
            // the signal at the phase rate, i.e. put an image of DC and low tones into the output.
            for (int j = 0; j < taps; j++) {
                table[p * taps + j] = (float) (row[j] / sum);
            }
        }
        return table;
    }

    private double kaiser(double x, double besselBeta) {
        if (Math.abs(x) > 1) {
            return 0;
        }
        return besselI0(beta * Math.sqrt(1 - x * x)) / besselBeta;
    }

    private static double sinc(double x) {
        if (x == 0) {
            return 1;
        }
        double px = Math.PI * x;
        return Math.sin(px) / px;
    }

    /** Modified Bessel function of the first kind, order 0, by its power series (converges fast for beta < 20). */
    private static double besselI0(double x) {
        double term = 1;
        double sum = 1;
        double quarterSquare = x * x / 4;
        for (int k = 1; term > 1e-17 * sum; k++) {
            term *= quarterSquare / ((double) k * k);
            sum += term;
        }
        return sum;
    }

    int phases() {
        return phases;
    }

    int taps() {
        return taps;
    }

    double beta() {
        return beta;
    }

    double cutoffHz() {
        return cutoffHz;
    }

    /** The table itself, not a copy: {@link Resampler} reads it in its inner loop. */
    float[] coefficients() {
        return coefficients;
    }
}
