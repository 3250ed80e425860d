package dev.emostream.features;

/**
 * Orthonormal DCT-II keeping the first {@code nOut} coefficients, as a dense matrix: for 64 inputs
 * and 40 outputs a matrix product is faster than an FFT-based DCT and is exactly the reference
 * definition (torchaudio's {@code create_dct(n_mfcc, n_mels, norm="ortho")}).
 */
final class OrthoDct {
    private final float[] matrix; // row-major [nOut][nIn]
    private final int nIn;
    private final int nOut;

    OrthoDct(int nIn, int nOut) {
        this.nIn = nIn;
        this.nOut = nOut;
        this.matrix = new float[nIn * nOut];
        for (int k = 0; k < nOut; k++) {
            double scale = k == 0 ? Math.sqrt(1.0 / nIn) : Math.sqrt(2.0 / nIn);
            for (int n = 0; n < nIn; n++) {
                matrix[k * nIn + n] = (float) (scale * Math.cos(Math.PI / nIn * (n + 0.5) * k));
            }
        }
    }

    void apply(float[] in, float[] out) {
        for (int k = 0; k < nOut; k++) {
            int row = k * nIn;
            float acc = 0f;
            for (int n = 0; n < nIn; n++) {
                acc += matrix[row + n] * in[n];
            }
            out[k] = acc;
        }
    }
}
