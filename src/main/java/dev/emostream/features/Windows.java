package dev.emostream.features;

/** Analysis windows, in double: a float window's rounding leaks energy about 150 dB below the peak. */
final class Windows {
    private Windows() {
    }

    static double[] create(String name, int length) {
        double[] w = new double[length];
        boolean periodic = name.endsWith("_periodic");
        // A periodic window of length N is the first N points of a symmetric window of N+1
        // (what torch.hann_window and scipy's fftbins=True compute).
        int denominator = periodic ? length : length - 1;
        double alpha = name.startsWith("hamming") ? 0.54 : 0.5;
        for (int n = 0; n < length; n++) {
            w[n] = alpha - (1 - alpha) * Math.cos(2 * Math.PI * n / denominator);
        }
        return w;
    }
}
