package dev.emostream.audio;

/**
 * Least-squares fit of a sinusoid of known frequency, a*cos(wn) + b*sin(wn), to a stretch of
 * samples. Unlike a windowed DFT it has no leakage to trade off: with the frequency known the
 * fit is exact for a pure tone, and what it cannot explain (the residual) is everything else -
 * aliases, images, noise.
 */
final class ToneFit {
    final double amplitude;
    /** Phase of the fitted tone at sample {@code from}, as in amplitude * sin(w (n - from) + phase). */
    final double phase;
    final double residualRms;

    private ToneFit(double amplitude, double phase, double residualRms) {
        this.amplitude = amplitude;
        this.phase = phase;
        this.residualRms = residualRms;
    }

    /** Fits samples x[from, to) with a tone of {@code frequency} Hz at {@code rate}. */
    static ToneFit fit(float[] x, int from, int to, double frequency, double rate) {
        double w = 2 * Math.PI * frequency / rate;
        // Normal equations of the 2-parameter linear model.
        double cc = 0, ss = 0, cs = 0, xc = 0, xs = 0;
        for (int n = from; n < to; n++) {
            double c = Math.cos(w * (n - from));
            double s = Math.sin(w * (n - from));
            cc += c * c;
            ss += s * s;
            cs += c * s;
            xc += x[n] * c;
            xs += x[n] * s;
        }
        double det = cc * ss - cs * cs;
        double a = (xc * ss - xs * cs) / det;
        double b = (xs * cc - xc * cs) / det;
        double residual = 0;
        for (int n = from; n < to; n++) {
            double e = x[n] - a * Math.cos(w * (n - from)) - b * Math.sin(w * (n - from));
            residual += e * e;
        }
        return new ToneFit(Math.hypot(a, b), Math.atan2(a, b), Math.sqrt(residual / (to - from)));
    }

    static double rms(float[] x, int from, int to) {
        double sum = 0;
        for (int n = from; n < to; n++) {
            sum += (double) x[n] * x[n];
        }
        return Math.sqrt(sum / (to - from));
    }

    static double decibels(double amplitudeRatio) {
        return 20 * Math.log10(amplitudeRatio);
    }
}
