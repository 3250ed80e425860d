package dev.emostream.features;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jtransforms.fft.DoubleFFT_1D;

/**
 * Voice periodicity of one frame, for the pitch and voicing cues that a 64-band mel spectrum blurs.
 *
 * <p>The frame's autocorrelation is the inverse FFT of its power spectrum, taken from the FFT the
 * extractor already ran; dividing it by the analysis window's own autocorrelation (Boersma 1993, the method of Praat's
 * pitch tracker) undoes the window's taper, so a periodic frame scores near 1 at its period and
 * its multiples, noise near 0. The output is the maximum of that normalised autocorrelation over
 * {@code bands} log-spaced ranges of lag between 1/f_max and 1/f_min, ordered from the lowest
 * frequency up: a coarse "periodicity spectrum" from which the model can learn pitch height and
 * voicing without a hand-tuned peak picker and its octave errors.
 *
 * <p>The frame's window-weighted mean is removed first (in the spectrum: X - mean * W, W the
 * window's spectrum), as Boersma removes the local mean: a DC offset or rumble would otherwise
 * raise every band (a constant correlates with itself at every lag).
 *
 * <p>The FFT is of size n_fft, so the autocorrelation is circular: lag l also holds lag n_fft - l.
 * With a 400-sample Hann window, n_fft 512 and lags up to 200 that adds the window products at lags
 * 312-400, which the taper makes small (bands within 0.031 of a 1024-point FFT's), and the window's
 * autocorrelation, computed the same way, carries the same wrap. {@link #problems} refuses settings
 * whose wrapped lags reach into the window's middle, where that no longer holds.
 *
 * <p>One instance per extractor (it has a work buffer); the tables (window spectrum and
 * autocorrelation, band edges) are built once per spec and shared.
 */
final class PeriodicityAnalysis {
    /** Below this frame energy (digital silence) the bands are 0 rather than a ratio of rounding noise. */
    private static final double SILENCE = 1e-20;

    private static final ConcurrentMap<FeatureSpec, Tables> SHARED = new ConcurrentHashMap<>();

    /**
     * Read-only, per spec. edges: band b holds the integer lags in (edges[b + 1], edges[b]], lowest
     * frequency first.
     */
    private record Tables(double[] window, double windowSum, double[] windowSpectrum, double[] windowAcf, int[] edges) {
    }

    private final DoubleFFT_1D fft;
    private final Tables tables;
    private final double[] work;

    PeriodicityAnalysis(FeatureSpec spec, double[] window, DoubleFFT_1D fft) {
        this.fft = fft;
        this.work = new double[spec.nFft()];
        this.tables = SHARED.computeIfAbsent(spec, s -> tables(s, window, fft));
    }

    private static Tables tables(FeatureSpec spec, double[] window, DoubleFFT_1D fft) {
        int[] edges = bandEdges(spec.periodicity(), spec.sampleRate());
        double[] spectrum = Arrays.copyOf(window, spec.nFft());
        fft.realForward(spectrum);
        double[] acf = autocorrelation(new double[spec.nFft()], spectrum, 0.0, spectrum, fft);
        double[] windowAcf = new double[edges[0] + 1];
        for (int lag = 0; lag < windowAcf.length; lag++) {
            windowAcf[lag] = acf[lag] / acf[0];
        }
        return new Tables(window, Arrays.stream(window).sum(), spectrum, windowAcf, edges);
    }

    /**
     * Writes the bands of one frame into {@code out[offset ...]}: {@code frame} its first
     * win_length samples, {@code spectrum} the FFT of the windowed frame (JTransforms' packed layout).
     */
    void compute(float[] frame, double[] spectrum, float[] out, int offset) {
        double[] window = tables.window();
        double weighted = 0;
        for (int i = 0; i < window.length; i++) {
            weighted += frame[i] * window[i];
        }
        double[] acf = autocorrelation(work, spectrum, weighted / tables.windowSum(), tables.windowSpectrum(), fft);
        double energy = acf[0];
        int[] edges = tables.edges();
        double[] windowAcf = tables.windowAcf();
        int bands = edges.length - 1;
        if (!(energy > SILENCE)) {
            Arrays.fill(out, offset, offset + bands, 0f);
            return;
        }
        for (int b = 0; b < bands; b++) {
            double best = -1;
            for (int lag = edges[b + 1] + 1; lag <= edges[b]; lag++) {
                best = Math.max(best, acf[lag] / (energy * windowAcf[lag]));
            }
            // The ratio can pass 1 a little where the window's autocorrelation is small: clamp.
            out[offset + b] = (float) Math.max(-1.0, Math.min(1.0, best));
        }
    }

    /**
     * The circular autocorrelation of (x - mean) * w, in {@code buf} (length n_fft), from the packed
     * spectrum X of x * w and W of w: the inverse real FFT of |X - mean * W|^2, unscaled (only ratios
     * to lag 0 are used).
     */
    private static double[] autocorrelation(double[] buf, double[] x, double mean, double[] w, DoubleFFT_1D fft) {
        // JTransforms' packed real spectrum: [Re0, Re(n/2), Re1, Im1, Re2, Im2, ...].
        double dc = x[0] - mean * w[0];
        double nyquist = x[1] - mean * w[1];
        buf[0] = dc * dc;
        buf[1] = nyquist * nyquist;
        for (int k = 2; k < buf.length; k += 2) {
            double re = x[k] - mean * w[k];
            double im = x[k + 1] - mean * w[k + 1];
            buf[k] = re * re + im * im;
            buf[k + 1] = 0;
        }
        fft.realInverse(buf, false);
        return buf;
    }

    /**
     * Band edges as lags, from the longest lag (f_min) down: band b holds the integer lags in
     * (edges[b + 1], edges[b]]. Edges are the log-spaced periods rounded down, so every band holds at
     * least one lag when {@link #problems} found none.
     */
    private static int[] bandEdges(FeatureSpec.Periodicity p, int sampleRate) {
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

    /** What makes a periodicity setting unusable with this window and FFT size; empty when it is usable. */
    static List<String> problems(FeatureSpec.Periodicity p, int sampleRate, int winLength, int nFft) {
        List<String> problems = new ArrayList<>();
        boolean bandsInRange = p.bands() >= 1 && p.bands() <= 128;
        if (!bandsInRange) {
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
        } else if (nFft - Math.floor(sampleRate / p.fMin()) < 0.75 * winLength) {
            // The circular autocorrelation adds lag n_fft - l to lag l: keep that in the window's tail.
            problems.add("periodicity f_min " + p.fMin() + " Hz with n_fft " + nFft + ": n_fft minus the longest lag ("
                    + (int) Math.floor(sampleRate / p.fMin()) + ") must be at least 3/4 of win_length (" + winLength
                    + "), or the FFT's wrap-around distorts the bands; raise n_fft or f_min");
        } else if (bandsInRange) {
            int[] edges = bandEdges(p, sampleRate);
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
