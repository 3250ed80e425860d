package dev.emostream.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WindowsTest {
    private static final double EPS = 1e-12;

    @Test
    void hammingPeriodicMatchesScipyAndTorch() {
        // scipy.signal.get_window('hamming', 8) == torch.hamming_window(8, periodic=True), float64
        double[] reference = {0.08, 0.21473088065418822, 0.54, 0.8652691193458118, 1.0,
            0.8652691193458119, 0.54, 0.21473088065418822};
        assertArrayEquals(reference, Windows.create("hamming_periodic", 8), EPS);
    }

    @Test
    void hammingPeriodicIsTheSymmetricWindowOneLongerWithoutItsLastPoint() {
        int n = 400;
        double[] w = Windows.create("hamming_periodic", n);
        for (int i = 0; i < n; i++) {
            double symmetricOfNPlusOne = 0.54 - 0.46 * Math.cos(2 * Math.PI * i / n);
            assertEquals(symmetricOfNPlusOne, w[i], EPS, "sample " + i);
        }
        assertEquals(0.08, w[0], EPS);
        assertEquals(1.0, w[n / 2], EPS, "the peak sits at N/2");
        assertEquals(w[1], w[n - 1], EPS, "periodic: w[i] == w[N - i]");
    }

    @Test
    void hannWindowsMatchTheirReferences() {
        // torch.hann_window(4, periodic=True) and torch.hann_window(4, periodic=False)
        assertArrayEquals(new double[] {0.0, 0.5, 1.0, 0.5}, Windows.create("hann_periodic", 4), EPS);
        assertArrayEquals(new double[] {0.0, 0.75, 0.75, 0.0}, Windows.create("hann_symmetric", 4), EPS);
    }
}
