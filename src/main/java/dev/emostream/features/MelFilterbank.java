package dev.emostream.features;

/**
 * Triangular mel filters over the bins of a one-sided spectrum, stored sparsely (each filter keeps
 * only its non-zero span) because a 64-filter bank over 257 bins is over 90% zeros.
 *
 * <p>The construction is the one of librosa and torchaudio's {@code melscale_fbanks}: {@code n_mels + 2}
 * points equally spaced on the mel scale between f_min and f_max, triangles between neighbours,
 * evaluated at the bin centre frequencies, optionally area-normalised ("slaney" norm).
 */
public final class MelFilterbank {
    private final int[] firstBin;
    private final double[][] weights;

    public MelFilterbank(FeatureSpec spec) {
        int nFreqs = spec.nFft() / 2 + 1;
        int nMels = spec.nMels();
        boolean htk = "htk".equals(spec.melScale());
        double melMin = hzToMel(spec.fMin(), htk);
        double melMax = hzToMel(spec.fMax(), htk);
        double[] fPts = new double[nMels + 2];
        for (int i = 0; i < fPts.length; i++) {
            fPts[i] = melToHz(melMin + (melMax - melMin) * i / (nMels + 1), htk);
        }
        firstBin = new int[nMels];
        weights = new double[nMels][];
        double binHz = spec.sampleRate() / 2.0 / (nFreqs - 1);
        for (int m = 0; m < nMels; m++) {
            double lower = fPts[m];
            double centre = fPts[m + 1];
            double upper = fPts[m + 2];
            double norm = "slaney".equals(spec.melNorm()) ? 2.0 / (upper - lower) : 1.0;
            double[] w = new double[nFreqs];
            int first = -1;
            int last = -1;
            for (int k = 0; k < nFreqs; k++) {
                double f = k * binHz;
                double down = (f - lower) / (centre - lower);
                double up = (upper - f) / (upper - centre);
                double v = Math.max(0.0, Math.min(down, up));
                if (v > 0) {
                    w[k] = v * norm;
                    if (first < 0) {
                        first = k;
                    }
                    last = k;
                }
            }
            if (first < 0) {
                throw new FeatureSpecException("mel filter " + m + " (" + Math.round(lower) + "-"
                        + Math.round(upper) + " Hz) covers no FFT bin: use fewer mel bins or a larger n_fft");
            }
            firstBin[m] = first;
            weights[m] = new double[last - first + 1];
            for (int k = first; k <= last; k++) {
                weights[m][k - first] = w[k];
            }
        }
    }

    public int size() {
        return weights.length;
    }

    /** Applies the filters to {@code spectrum} (one-sided, length n_fft/2+1) into {@code out}. */
    public void apply(double[] spectrum, double[] out) {
        for (int m = 0; m < weights.length; m++) {
            double[] w = weights[m];
            int base = firstBin[m];
            double acc = 0.0;
            for (int j = 0; j < w.length; j++) {
                acc += w[j] * spectrum[base + j];
            }
            out[m] = acc;
        }
    }

    /** The dense filter matrix [n_mels][n_freqs], for tests and inspection. */
    public double[][] dense(int nFreqs) {
        double[][] dense = new double[weights.length][nFreqs];
        for (int m = 0; m < weights.length; m++) {
            System.arraycopy(weights[m], 0, dense[m], firstBin[m], weights[m].length);
        }
        return dense;
    }

    static double hzToMel(double hz, boolean htk) {
        if (htk) {
            return 2595.0 * Math.log10(1.0 + hz / 700.0);
        }
        // Slaney's Auditory Toolbox: linear below 1 kHz, logarithmic above.
        double fSp = 200.0 / 3;
        double minLogHz = 1000.0;
        double minLogMel = minLogHz / fSp;
        double logStep = Math.log(6.4) / 27.0;
        return hz >= minLogHz ? minLogMel + Math.log(hz / minLogHz) / logStep : hz / fSp;
    }

    static double melToHz(double mel, boolean htk) {
        if (htk) {
            return 700.0 * (Math.pow(10.0, mel / 2595.0) - 1.0);
        }
        double fSp = 200.0 / 3;
        double minLogHz = 1000.0;
        double minLogMel = minLogHz / fSp;
        double logStep = Math.log(6.4) / 27.0;
        return mel >= minLogMel ? minLogHz * Math.exp(logStep * (mel - minLogMel)) : fSp * mel;
    }
}
