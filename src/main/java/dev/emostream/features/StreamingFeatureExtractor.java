package dev.emostream.features;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jtransforms.dct.DoubleDCT_1D;
import org.jtransforms.fft.DoubleFFT_1D;

/**
 * Streaming log-mel / MFCC extractor. Audio arrives in chunks of any size; the samples of a frame
 * that is not complete yet (at most {@code win_length - 1} of them) are carried to the next call,
 * the way Kaldi's online features keep a waveform remainder. Any chunking of the same audio
 * therefore yields bit-for-bit the frames of one call with the whole signal.
 *
 * <p>Per frame: window, zero-pad to n_fft, real FFT (JTransforms), power (or magnitude) spectrum,
 * sparse mel filterbank, {@code ln(max(mel, log_floor))}, and for MFCC an orthonormal DCT-II
 * (JTransforms, scaled; the first n_mfcc coefficients); then, when the spec asks for them, the
 * voice-periodicity bands ({@link PeriodicityAnalysis}) from the same spectrum. All
 * buffers are allocated once, so steady-state processing allocates nothing.
 *
 * <p>The spectrum and mel energies are computed in double: a float32 FFT's rounding noise sits about
 * 130 dB below the frame's peak, and on clean synthetic input (tones, chirps) quiet mel bands fall
 * below it, which shows up as log-energy errors of 0.5 and more. In double it costs ~5% more here.
 *
 * <p>Not thread-safe: one instance per stream.
 */
public final class StreamingFeatureExtractor {
    /** Upper bound on the samples one {@link #accept} call takes, so a bad caller cannot stall a thread for long. */
    public static final int DEFAULT_MAX_CHUNK_SAMPLES = 1 << 26;

    private final FeatureSpec spec;
    private final int win;
    private final int hop;
    private final int nFft;
    private final boolean mfcc;
    private final boolean magnitude;
    private final double logFloor;
    private final int maxChunkSamples;

    private final double[] window;
    private final DoubleFFT_1D fft;
    private final MelFilterbank melFilterbank;
    private final DoubleDCT_1D dct; // null for log_mel
    private final PeriodicityAnalysis periodicity; // null unless the spec asks for it
    private final int spectralCount;

    private final float[] pending;   // samples of the frame being filled, pending[0] is its first sample
    private final double[] fftBuffer;
    private final double[] spectrum;
    private final double[] melEnergy; // mel energies, then their logs, then (MFCC) their DCT
    private final float[] output;

    private int pendingCount;
    private long framesEmitted;
    private long samplesAccepted;

    public StreamingFeatureExtractor(FeatureSpec spec) {
        this(spec, DEFAULT_MAX_CHUNK_SAMPLES);
    }

    public StreamingFeatureExtractor(FeatureSpec spec, int maxChunkSamples) {
        if (maxChunkSamples < 1) {
            throw new IllegalArgumentException("maxChunkSamples must be positive, got " + maxChunkSamples);
        }
        this.spec = spec;
        this.win = spec.winLength();
        this.hop = spec.hopLength();
        this.nFft = spec.nFft();
        this.mfcc = "mfcc".equals(spec.output());
        this.magnitude = spec.power() == 1.0;
        this.logFloor = spec.logFloor();
        this.maxChunkSamples = maxChunkSamples;
        Kernels kernels = Kernels.of(spec);
        this.window = kernels.window();
        this.fft = kernels.fft();
        this.melFilterbank = kernels.melFilterbank();
        // log_mel needs no DCT; it may then have any number of mel bands (see FeatureSpec).
        this.dct = mfcc ? new DoubleDCT_1D(spec.nMels()) : null;
        this.periodicity = spec.periodicity() == null ? null : new PeriodicityAnalysis(spec, window, fft);
        this.spectralCount = spec.spectralFeatureCount();
        this.pending = new float[win];
        this.fftBuffer = new double[nFft];
        this.spectrum = new double[nFft / 2 + 1];
        this.melEnergy = new double[spec.nMels()];
        this.output = new float[spec.featureCount()];
    }

    /**
     * The read-only parts of the analysis for one spec: window, FFT plan (JTransforms' tables are
     * only read by realForward for power-of-two sizes, which the spec requires) and mel filters.
     * Built once per spec and shared by every stream, so a service with thousands of streams keeps
     * one copy in cache instead of thousands.
     */
    private record Kernels(double[] window, DoubleFFT_1D fft, MelFilterbank melFilterbank) {
        private static final java.util.concurrent.ConcurrentMap<FeatureSpec, Kernels> SHARED =
                new java.util.concurrent.ConcurrentHashMap<>();

        static Kernels of(FeatureSpec spec) {
            return SHARED.computeIfAbsent(spec, s -> new Kernels(Windows.create(s.window(), s.winLength()),
                    new DoubleFFT_1D(s.nFft()), new MelFilterbank(s)));
        }
    }

    public FeatureSpec spec() {
        return spec;
    }

    public int featureCount() {
        return output.length;
    }

    /** Frames emitted since creation (or the last reset); also the index of the next frame. */
    public long framesEmitted() {
        return framesEmitted;
    }

    /** Samples accepted since creation (or the last reset). */
    public long samplesAccepted() {
        return samplesAccepted;
    }

    /**
     * Adds {@code len} samples at the spec's sample rate, nominal range [-1, 1], and hands every
     * frame they complete to {@code sink}, in order. The chunk is checked before any of it is taken:
     * a rejected chunk leaves the extractor exactly as it was.
     *
     * @throws FeatureInputException if a sample is NaN or infinite, or the chunk exceeds the cap
     */
    public void accept(float[] samples, int off, int len, FrameSink sink) {
        if (off < 0 || len < 0 || off > samples.length - len) {
            throw new IndexOutOfBoundsException("chunk [" + off + ", " + off + "+" + len
                    + ") outside array of " + samples.length);
        }
        if (len > maxChunkSamples) {
            throw new FeatureInputException("chunk of " + len + " samples exceeds the limit of "
                    + maxChunkSamples + " samples per call");
        }
        for (int i = off, end = off + len; i < end; i++) {
            if (!Float.isFinite(samples[i])) {
                throw new FeatureInputException("sample " + (samplesAccepted + i - off)
                        + " of the stream is " + samples[i] + ": audio must be finite");
            }
        }
        int pos = off;
        int remaining = len;
        while (remaining > 0) {
            int n = Math.min(remaining, win - pendingCount);
            System.arraycopy(samples, pos, pending, pendingCount, n);
            pendingCount += n;
            pos += n;
            remaining -= n;
            if (pendingCount == win) {
                computeFrame();
                sink.accept(framesEmitted++, output);
                // Keep the overlap (win - hop samples) as the start of the next frame.
                System.arraycopy(pending, hop, pending, 0, win - hop);
                pendingCount = win - hop;
            }
        }
        samplesAccepted += len;
    }

    private void computeFrame() {
        double[] buf = fftBuffer;
        for (int i = 0; i < win; i++) {
            buf[i] = pending[i] * window[i];
        }
        Arrays.fill(buf, win, nFft, 0.0);
        fft.realForward(buf);
        if (periodicity != null) {
            periodicity.compute(pending, buf, output, spectralCount);
        }
        // JTransforms packs the real spectrum as [Re0, Re(n/2), Re1, Im1, Re2, Im2, ...].
        int half = nFft / 2;
        spectrum[0] = buf[0] * buf[0];
        spectrum[half] = buf[1] * buf[1];
        for (int k = 1; k < half; k++) {
            double re = buf[2 * k];
            double im = buf[2 * k + 1];
            spectrum[k] = re * re + im * im;
        }
        if (magnitude) {
            for (int k = 0; k <= half; k++) {
                spectrum[k] = Math.sqrt(spectrum[k]);
            }
        }
        double[] mel = melEnergy;
        melFilterbank.apply(spectrum, mel);
        for (int m = 0; m < mel.length; m++) {
            mel[m] = Math.log(Math.max(mel[m], logFloor));
        }
        if (mfcc) {
            dct.forward(mel, true); // scale=true: the orthonormal DCT-II
        }
        for (int k = 0; k < spectralCount; k++) {
            output[k] = (float) mel[k];
        }
    }

    /** The carried state: what a stream needs to resume exactly where it stopped. */
    public Snapshot snapshot() {
        return new Snapshot(Arrays.copyOf(pending, pendingCount), framesEmitted, samplesAccepted);
    }

    /** Resumes from a {@link #snapshot()} taken on an extractor with the same spec. */
    public void restore(Snapshot snapshot) {
        if (snapshot.pending().length >= win) {
            throw new FeatureInputException("snapshot carries " + snapshot.pending().length
                    + " samples, more than a frame minus one (" + (win - 1) + ")");
        }
        System.arraycopy(snapshot.pending(), 0, pending, 0, snapshot.pending().length);
        pendingCount = snapshot.pending().length;
        framesEmitted = snapshot.framesEmitted();
        samplesAccepted = snapshot.samplesAccepted();
    }

    public void reset() {
        pendingCount = 0;
        framesEmitted = 0;
        samplesAccepted = 0;
    }

    /** Offline convenience: all frames of a whole signal, as {@code [frames][features]}. */
    public static float[][] extractAll(FeatureSpec spec, float[] samples) {
        StreamingFeatureExtractor extractor = new StreamingFeatureExtractor(spec, Math.max(1, samples.length));
        List<float[]> frames = new ArrayList<>((int) spec.framesFor(samples.length));
        extractor.accept(samples, 0, samples.length, (i, f) -> frames.add(f.clone()));
        return frames.toArray(new float[0][]);
    }

    /** Carry-over between chunks: the samples of the unfinished frame and the counters. */
    public record Snapshot(float[] pending, long framesEmitted, long samplesAccepted) {
    }
}
