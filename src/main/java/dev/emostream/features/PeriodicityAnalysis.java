package dev.emostream.features;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jtransforms.fft.DoubleFFT_1D;

/**
 * Voice periodicity of one frame, for the pitch and voicing cues that a 64-band mel spectrum blurs.
 *
 * <p>The frame's autocorrelation is the inverse FFT of the power spectrum the extractor already
 * has; dividing it by the analysis window's own autocorrelation (Boersma 1993, the method of Praat's
 * pitch tracker) undoes the window's taper, so a periodic frame scores near 1 at its period and
 * its multiples, noise near 0. The output is the maximum of that normalised autocorrelation over
 * {@code bands} log-spaced ranges of lag between 1/f_max and 1/f_min, ordered from the lowest
 * frequency up: a coarse "periodicity spectrum" from which the model can learn pitch height and
 * voicing without a hand-tuned peak picker and its octave errors.
 *
 * <p>The FFT is of size n_fft, so the autocorrelation is circular: lag l also holds lag n_fft - l.
 * With a 400-sample Hann window and n_fft 512 that adds the window products at lags 312-400, which
 * the taper makes small, and the window's autocorrelation, computed the same way, carries the same
 * wrap, so the ratio stays close to the linear one; an extra FFT of twice the size is not worth it.
 *
 * <p>One instance per extractor (it has a work buffer); the lag table and window autocorrelation
 * are per spec.
 */
final class PeriodicityAnalysis {
    /** Below this frame energy (digital silence) the bands are 0 rather than a ratio of rounding noise. */
    private static final double SILENCE = 1e-20;

    private final DoubleFFT_1D fft;
    private final double[] windowAcf;  // window autocorrelation, 1 at lag 0
    private final int[] bandStart;     // band b takes lags [bandStart[b], bandStart[b + 1]), lowest frequency first
    private final double[] work;

    PeriodicityAnalysis(FeatureSpec spec, double[] window, DoubleFFT_1D fft) {
        FeatureSpec.Periodicity p = spec.periodicity();
        this.fft = fft;
        this.work = new double[spec.nFft()];
        this.bandStart = bandStarts(p, spec.sampleRate());
        double[] padded = Arrays.copyOf(window, spec.nFft());
        fft.realForward(padded);
        double[] acf = autocorrelation(padded, powerOf(padded), fft);
        double zero = acf[0];
        this.windowAcf = new double[bandStart[0] + 1];
        for (int lag = 0; lag < windowAcf.length; lag++) {
            windowAcf[lag] = acf[lag] / zero;
        }
    }

    /**
     * Writes the bands for the frame whose power spectrum ({@code n_fft/2 + 1} bins) is given into
     * {@code out[offset ...]}.
     */
    void compute(double[] power, float[] out, int offset) {
        double[] acf = autocorrelation(work, power, fft);
        double energy = acf[0];
        int bands = bandStart.length - 1;
        if (!(energy > SILENCE)) {
            Arrays.fill(out, offset, offset + bands, 0f);
            return;
        }
        for (int b = 0; b < bands; b++) {
            double best = -1;
            // bandStart runs from the longest lag down, so band b is [bandStart[b + 1], bandStart[b])
            for (int lag = bandStart[b + 1] + 1; lag <= bandStart[b]; lag++) {
                best = Math.max(best, acf[lag] / (energy * windowAcf[lag]));
            }
            // The ratio can pass 1 a little where the window's autocorrelation is small: clamp.
            out[offset + b] = (float) Math.max(-1.0, Math.min(1.0, best));
        }
    }

    /** The inverse real FFT of a power spectrum, in place in {@code buf} (length n_fft). */
    private static double[] autocorrelation(double[] buf, double[] power, DoubleFFT_1D fft) {
        int half = buf.length / 2;
        // JTransforms' packed real spectrum: [Re0, Re(n/2), Re1, Im1, Re2, Im2, ...].
        buf[0] = power[0];
        buf[1] = power[half];
        for (int k = 1; k < half; k++) {
            buf[2 * k] = power[k];
            buf[2 * k + 1] = 0;
        }
        fft.realInverse(buf, false); // unscaled: only ratios to lag 0 are used
        return buf;
    }

    private static double[] powerOf(double[] packed) {
        int half = packed.length / 2;
        double[] power = new double[half + 1];
        power[0] = packed[0] * packed[0];
        power[half] = packed[1] * packed[1];
        for (int k = 1; k < half; k++) {
            power[k] = packed[2 * k] * packed[2 * k] + packed[2 * k + 1] * packed[2 * k + 1];
        }
        return power;
    }

    /**
     * Band edges as lags, from the longest lag (f_min) down: band b holds the integer lags in
     * (edge[b + 1], edge[b]]. Edges are the log-spaced periods rounded down, so every band holds at
     * least one lag when {@link #problems} found none.
     */
    private static int[] bandStarts(FeatureSpec.Periodicity p, int sampleRate) {
        int bands = p.bands();
        int[] edges = new int[bands + 1];
        double longest = sampleRate / p.fMin();
        double shortest = sampleRate / p.fMax();
        for (int b = 0; b <= bands; b++) {
            // edge b sits at frequency f_min * (f_max / f_min)^(b / bands)
            edges[b] = (int) Math.floor(longest * Math.pow(shortest / longest, b / (double) bands));
        }
        edges[bands] = (int) Math.ceil(shortest) - 1; // the shortest lag itself is in the last band
        return edges;
    }

    /** What makes a periodicity setting unusable with this window and FFT; empty when it is usable. */
    static List<String> problems(FeatureSpec.Periodicity p, int sampleRate, int winLength) {
        List<String> problems = new ArrayList<>();
        if (p.bands() < 1 || p.bands() > 128) {
            problems.add("periodicity.bands " + p.bands() + " outside [1, 128]");
        }
        if (!(p.fMin() > 0) || !(p.fMax() > p.fMin()) || p.fMax() > sampleRate / 2.0) {
            problems.add("periodicity f_min " + p.fMin() + " / f_max " + p.fMax()
                    + " must satisfy 0 < f_min < f_max <= sample_rate/2");
        } else if (sampleRate / p.fMin() > winLength / 2.0) {
            // Beyond half the window fewer than half its samples overlap and the ratio gets noisy.
            problems.add("periodicity f_min " + p.fMin() + " Hz: its period (" + sampleRate / p.fMin()
                    + " samples) must be at most half of win_length (" + winLength + "): f_min >= "
                    + 2.0 * sampleRate / winLength);
        } else if (problems.isEmpty()) {
            int[] edges = bandStarts(p, sampleRate);
            for (int b = 0; b < p.bands(); b++) {
                if (edges[b] <= edges[b + 1]) {
                    problems.add("periodicity: " + p.bands() + " bands between " + p.fMin() + " and " + p.fMax()
                            + " Hz leave band " + b + " without a whole lag; use fewer bands or a wider range");
                    break;
                }
            }
        }
        return problems;
    }
}
