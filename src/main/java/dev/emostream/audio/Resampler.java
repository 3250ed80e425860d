package dev.emostream.audio;

import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Streaming, band-limited sample-rate converter for mono float audio.
 *
 * <h2>Method</h2>
 * Rational polyphase resampling with a Kaiser-windowed sinc ({@link KaiserSincFilter}). The rate
 * ratio in/out is reduced by its gcd to M/L (44100/16000 = 441/160). Output sample n is the
 * band-limited value of the input at time n/outRate, i.e. at input position n*M/L exactly:
 * integer part floor(n*M/L), fractional part phase/L with phase = (n*M) mod L. The filter is
 * centred on that position (zero delay, linear phase), as sox's {@code rate} effect does, so
 * output and input line up sample-for-sample in time. Each output costs {@link #taps()}
 * multiply-adds against a precomputed coefficient row; there is no interpolation between rows.
 * For 8 -> 16 kHz and whole-number decimation (32, 48 -> 16 kHz) the same sums, in the same order, are
 * computed tap by tap over many outputs at once, which the JIT turns into SIMD (2.7-3.3x faster with
 * 20 ms chunks, more with longer ones; BENCHMARKS.md); the other ratios take one output at a time.
 *
 * <h2>Filter design</h2>
 * Relative to the lower of the input and output Nyquist frequencies: flat (designed ripple
 * 1e-4 = 0.001 dB) to 0.90, cut-off 0.95, stop band from 1.00 with 80 dB designed rejection
 * (Kaiser beta = 7.857). Taps per output sample, from Kaiser's length formula:
 * <pre>
 *   to 16000 Hz from   taps  cut-off   phases (L)
 *    8000              104   3800 Hz      2
 *   11025              104   5237 Hz    640
 *   22050              140   7600 Hz    320
 *   32000              204   7600 Hz      1
 *   44100              280   7600 Hz    160
 *   48000              304   7600 Hz      1
 * </pre>
 * Equal rates are an exact copy, with no filtering and no delay.
 *
 * <h2>Streaming</h2>
 * {@link #process} accepts any number of samples and writes every output whose filter support
 * is complete; {@link #flush} ends the stream by padding with silence. The stream has
 * ceil(inputSamples * outRate / inRate) outputs in total: one for each output instant that lies
 * inside the input's span [0, inputSamples / inRate). (sox rounds to nearest instead, so it may
 * write one sample fewer.) Because each output is one dot product over a contiguous copy of the
 * same input samples, computed in the same order, any chunking of the input - single samples,
 * empty calls, millions at once - yields bitwise the same output as one call. (History moves to
 * the front only when the buffer is full, so even where a sample sits in the buffer does not
 * depend on the chunking.) After
 * construction, calls allocate nothing: input passes through a fixed buffer of taps - 1 samples
 * of history plus {@value #BLOCK} samples of new input. {@link #snapshot} and {@link #restore} move
 * a stream's state (that history and two counters) to another instance.
 *
 * <p>Not thread-safe: one instance per stream. NaN and infinite samples are not checked (the
 * decoders reject them) and would spread over the filter length.
 */
public final class Resampler {
    private static final int[] SUPPORTED_RATES = {8000, 11025, 16000, 22050, 32000, 44100, 48000};

    /** New input copied per round; large enough that moving the history back to the front is rare. */
    private static final int BLOCK = 4096;

    private final int inputRate;
    private final int outputRate;
    private final boolean passThrough;
    /** Input samples advanced per output sample: whole part and remainder in units of 1/phases. */
    private final int stepWhole;
    private final int stepRemainder;
    private final int phases;
    private final int taps;
    private final int half;
    private final KaiserSincFilter filter;
    private final float[] coefficients;
    /**
     * Two ratios are computed as vectorisable multiply-adds over many outputs at once, tap by tap: 8 ->
     * 16 kHz (two phases, one input step per two outputs: the telephone rate) and whole-number
     * decimation (32 and 48 kHz -> 16 kHz: one phase, 2 or 3 inputs per output). {@code partial} holds
     * the outputs' four partial sums, {@code window} one tap's inputs, {@code lanes} the input
     * de-interleaved by the decimation factor (all allocated once); null for the other ratios.
     */
    private final float[][] partial;
    private final float[] window;
    private final float[][] lanes;

    /** buffer[b] holds input sample number bufferStart + b; negative numbers are the silence before the stream. */
    private final float[] buffer;
    private int buffered;
    private long bufferStart;

    /** Output sample to be written next, and its position in the input: nextPosition + nextPhase / phases. */
    private long nextOutput;
    private long nextPosition;
    private int nextPhase;
    private long inputConsumed;

    /**
     * @throws AudioFormatException if either rate is not one of {@link #supportedRates()}
     */
    public Resampler(int inputRate, int outputRate) {
        this(inputRate, outputRate, true);
    }

    /**
     * Speed perturbation (training augmentation): audio at {@code rate} played {@code speed} times as
     * fast, at the same rate: its samples taken as {@code rate * speed} Hz and resampled to {@code rate},
     * so tempo and pitch change together by {@code speed} (Kaldi-style speed perturbation).
     *
     * @throws IllegalArgumentException unless rate is supported and speed is 0.5 to 2 on a 100 Hz grid
     *                                  of rate * speed (few filter phases)
     */
    public static Resampler speedChange(int rate, double speed) {
        requireSupported("input", rate);
        long played = Math.round(rate * speed);
        if (!(speed >= 0.5 && speed <= 2.0) || played % 100 != 0 || Math.abs(rate * speed - played) > 1e-6 * rate) {
            throw new IllegalArgumentException("speed must be 0.5 to 2 with rate x speed a multiple of 100 Hz, got "
                    + speed + " at " + rate + " Hz");
        }
        return new Resampler((int) played, rate, false);
    }

    private Resampler(int inputRate, int outputRate, boolean checkRates) {
        if (checkRates) {
            requireSupported("input", inputRate);
            requireSupported("output", outputRate);
        }
        this.inputRate = inputRate;
        this.outputRate = outputRate;
        int gcd = gcd(inputRate, outputRate);
        int down = inputRate / gcd;
        int up = outputRate / gcd;
        this.passThrough = inputRate == outputRate;
        this.phases = up;
        this.stepWhole = down / up;
        this.stepRemainder = down % up;
        this.filter = passThrough ? null : KaiserSincFilter.shared(inputRate, outputRate, up);
        this.taps = passThrough ? 0 : filter.taps();
        this.half = taps / 2;
        this.coefficients = passThrough ? new float[0] : filter.coefficients();
        // Compaction keeps at most taps - 1 samples only if no output steps over a whole filter length.
        assert passThrough || stepWhole + 1 < taps;
        this.buffer = new float[passThrough ? 0 : taps - 1 + BLOCK];
        boolean upByTwo = !passThrough && phases == 2 && stepWhole == 0 && stepRemainder == 1;
        boolean decimating = !passThrough && phases == 1 && stepWhole >= 2;
        this.partial = upByTwo || decimating ? new float[4][buffer.length + 1] : null;
        this.window = upByTwo || decimating ? new float[buffer.length + 1] : null;
        this.lanes = decimating ? new float[stepWhole][buffer.length / stepWhole + 2] : null;
        reset();
    }

    /** The sample rates accepted on either side, ascending. */
    public static int[] supportedRates() {
        return SUPPORTED_RATES.clone();
    }

    public static boolean isSupportedRate(int rate) {
        return Arrays.stream(SUPPORTED_RATES).anyMatch(r -> r == rate);
    }

    private static void requireSupported(String side, int rate) {
        if (!isSupportedRate(rate)) {
            String list = Arrays.stream(SUPPORTED_RATES).mapToObj(Integer::toString)
                    .collect(Collectors.joining(", "));
            throw new AudioFormatException("unsupported " + side + " sample rate " + rate
                    + " Hz: the resampler supports " + list + " Hz");
        }
    }

    /**
     * Resamples {@code len} samples of {@code in} starting at {@code off} and writes every output
     * that is now complete to {@code out} from {@code outOff}.
     *
     * @return the number of samples written, at most {@link #maxOutput(int) maxOutput(len)}
     * @throws IndexOutOfBoundsException if the input range is invalid, or {@code out} has fewer
     *         than {@code maxOutput(len)} samples of room after {@code outOff}; nothing is consumed
     */
    public int process(float[] in, int off, int len, float[] out, int outOff) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        Objects.checkFromIndexSize(off, len, in.length);
        requireRoom(out, outOff, maxOutput(len), "process");
        inputConsumed += len;
        if (passThrough) {
            System.arraycopy(in, off, out, outOff, len);
            nextOutput += len;
            return len;
        }
        int written = 0;
        while (len > 0) {
            if (buffered == buffer.length) {
                dropSamplesBehindNextOutput();
            }
            int n = Math.min(len, buffer.length - buffered);
            System.arraycopy(in, off, buffer, buffered, n);
            buffered += n;
            off += n;
            len -= n;
            written += writeReadyOutputs(out, outOff + written, Long.MAX_VALUE);
        }
        return written;
    }

    /**
     * Ends the stream: pads the input with silence, writes the remaining outputs so that the
     * stream totals ceil(inputSamples * outRate / inRate), and resets for a new stream.
     *
     * @return the number of samples written, at most {@link #maxFlushOutput()}
     * @throws IndexOutOfBoundsException if {@code out} has fewer than {@code maxFlushOutput()}
     *         samples of room after {@code outOff}; the stream is then left as it was
     */
    public int flush(float[] out, int outOff) {
        Objects.requireNonNull(out, "out");
        requireRoom(out, outOff, maxFlushOutput(), "flush");
        long total = ceilDiv(inputConsumed * phases, (long) stepWhole * phases + stepRemainder);
        int written = 0;
        while (nextOutput < total) {
            if (buffered == buffer.length) {
                dropSamplesBehindNextOutput();
            }
            Arrays.fill(buffer, buffered, buffer.length, 0f);
            buffered = buffer.length;
            written += writeReadyOutputs(out, outOff + written, total);
        }
        reset();
        return written;
    }

    /** Forgets the stream: history becomes silence and the next input is sample 0 again. */
    public void reset() {
        nextOutput = 0;
        nextPosition = 0;
        nextPhase = 0;
        inputConsumed = 0;
        // Output 0 needs inputs -(half - 1) .. half; those before the stream are silence.
        Arrays.fill(buffer, 0f);
        bufferStart = -(half - 1);
        buffered = Math.max(half - 1, 0);
    }

    /**
     * The stream's state: what a resampler of the same rates needs to continue exactly where this
     * one is (bit for bit), for instance after the stream moved to another process through a state
     * store. Small: at most {@code taps() - 1} samples (303 for 48 kHz) and two counters.
     *
     * @param inputRate     input rate of the resampler it was taken from
     * @param outputRate    output rate of the resampler it was taken from
     * @param inputConsumed input samples taken since the stream started
     * @param outputWritten output samples written since the stream started
     * @param history       the last input samples, the ones the next outputs still need; at the start
     *                      of a stream, leading zeros stand for the silence before it. Not copied.
     */
    public record Snapshot(int inputRate, int outputRate, long inputConsumed, long outputWritten, float[] history) {
        public Snapshot {
            Objects.requireNonNull(history, "history");
        }
    }

    /** The state of the stream so far; {@link #restore} on a resampler of the same rates resumes it. */
    public Snapshot snapshot() {
        int keepFrom = passThrough ? 0 : (int) (nextPosition - half + 1 - bufferStart);
        return new Snapshot(inputRate, outputRate, inputConsumed, nextOutput,
                Arrays.copyOfRange(buffer, keepFrom, buffered));
    }

    /**
     * Continues the stream a {@link #snapshot} was taken of, replacing this one's state.
     *
     * @throws IllegalArgumentException if the snapshot comes from a resampler of other rates or is
     *         inconsistent (its history does not match its counters); this resampler is then unchanged
     */
    public void restore(Snapshot snapshot) {
        if (snapshot.inputRate() != inputRate || snapshot.outputRate() != outputRate) {
            throw new IllegalArgumentException("snapshot of a " + snapshot.inputRate() + " -> " + snapshot.outputRate()
                    + " Hz resampler cannot be restored into a " + inputRate + " -> " + outputRate + " Hz one");
        }
        long consumed = snapshot.inputConsumed();
        long written = snapshot.outputWritten();
        if (consumed < 0 || written < 0) {
            throw new IllegalArgumentException("snapshot with negative counters: " + consumed + " inputs, "
                    + written + " outputs");
        }
        long positionUnits; // input position of the next output, in units of 1/phases of a sample
        try {
            positionUnits = Math.multiplyExact(written, (long) stepWhole * phases + stepRemainder);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("snapshot with " + written + " outputs: beyond any stream", e);
        }
        long position = positionUnits / phases;
        // The samples from the first one the next output needs up to the last one consumed; more
        // than taps - 1 would mean an output that was ready but not written.
        long needed = passThrough ? consumed - written : consumed - (position - half + 1);
        int most = passThrough ? 0 : taps - 1;
        if (needed < 0 || needed > most || snapshot.history().length != needed) {
            throw new IllegalArgumentException("inconsistent snapshot: " + written + " outputs from " + consumed
                    + " inputs need " + (needed < 0 || needed > most ? "an impossible history" : needed + " history samples")
                    + ", it holds " + snapshot.history().length);
        }
        int history = (int) needed;
        System.arraycopy(snapshot.history(), 0, buffer, 0, history);
        buffered = history;
        bufferStart = consumed - history;
        nextOutput = written;
        nextPosition = position;
        nextPhase = (int) (positionUnits % phases);
        inputConsumed = consumed;
    }

    /** The most samples one {@code process} call with {@code inputLen} samples can write: ceil(inputLen * out / in). */
    public int maxOutput(int inputLen) {
        if (inputLen < 0) {
            throw new IllegalArgumentException("inputLen must be >= 0, was " + inputLen);
        }
        return Math.toIntExact(ceilDiv((long) inputLen * outputRate, inputRate));
    }

    /** The most samples {@link #flush} can write: the outputs still waiting for lookahead. */
    public int maxFlushOutput() {
        return Math.toIntExact(ceilDiv((long) half * outputRate, inputRate));
    }

    /**
     * Input samples that must arrive after an output instant before that output is written:
     * the filter's half length. In time, {@code lookaheadInputSamples() / inputRate()} seconds
     * (e.g. 152 samples = 3.2 ms for 48 kHz). Zero for a pass-through.
     */
    public int lookaheadInputSamples() {
        return half;
    }

    public int inputRate() {
        return inputRate;
    }

    public int outputRate() {
        return outputRate;
    }

    /** Multiply-adds per output sample (0 for a pass-through). */
    public int taps() {
        return taps;
    }

    /** Kaiser window beta of the filter; NaN for a pass-through. */
    public double kaiserBeta() {
        return passThrough ? Double.NaN : filter.beta();
    }

    /** Cut-off (half-amplitude) frequency of the filter in Hz; NaN for a pass-through. */
    public double cutoffHz() {
        return passThrough ? Double.NaN : filter.cutoffHz();
    }

    private int writeReadyOutputs(float[] out, int outOff, long limit) {
        if (lanes != null) {
            return writeReadyOutputsDecimating(out, outOff, limit);
        }
        if (partial != null) {
            return writeReadyOutputsUpByTwo(out, outOff, limit);
        }
        // Locals, so the JIT keeps them in registers across the loop.
        final float[] coef = coefficients;
        final float[] buf = buffer;
        final int n = taps;
        final long available = bufferStart + buffered;
        long output = nextOutput;
        long position = nextPosition;
        int phase = nextPhase;
        int written = 0;
        while (output < limit && position + half < available) {
            int start = (int) (position - half + 1 - bufferStart);
            out[outOff + written++] = dot(coef, phase * n, buf, start, n);
            output++;
            position += stepWhole;
            phase += stepRemainder;
            if (phase >= phases) {
                phase -= phases;
                position++;
            }
        }
        nextOutput = output;
        nextPosition = position;
        nextPhase = phase;
        return written;
    }

    /**
     * {@link #writeReadyOutputs} for 8 -> 16 kHz, with the same arithmetic in the same order (bit for bit
     * the same outputs as {@link #dot}) but loops the JIT turns into SIMD: the outputs of one phase use
     * one coefficient row over consecutive input positions, so tap by tap each of their four partial
     * sums (taps j = r mod 4, as in {@code dot}) gets one multiply-add per output, over all of them at
     * once, instead of one output's 104 taps one after the other.
     */
    private int writeReadyOutputsUpByTwo(float[] out, int outOff, long limit) {
        final float[] buf = buffer;
        final int n = taps;
        final long available = bufferStart + buffered;
        long output = nextOutput;
        long position = nextPosition;
        int phase = nextPhase;
        // Outputs alternate between the phases; the position advances after each phase-1 output.
        int count = 0;
        while (output + count < limit && position + (phase + count) / 2 + half < available) {
            count++;
        }
        for (int p = 0; p < 2; p++) {
            int first = (p - phase + 2) % 2;          // index, among the next outputs, of the first of phase p
            if (count <= first) {
                continue;
            }
            int outputs = (count - first + 1) / 2;
            int start = (int) (position + (phase + first) / 2 - half + 1 - bufferStart);
            clearPartialSums(outputs);
            int row = p * n;
            float[] shifted = window;
            for (int j = 0; j < n; j++) {
                // The inputs of tap j for these outputs, copied to index 0: HotSpot (17) turns the loop into
                // SIMD only when the sums and the inputs share an index (it cannot prove two float arrays
                // apart at an offset), and a copy costs far less than the scalar loop it replaces. The loop
                // stays inline: moved into a helper method it ran at half the speed (measured).
                System.arraycopy(buf, start + j, shifted, 0, outputs);
                float c = coefficients[row + j];
                float[] sums = partial[j & 3];
                for (int m = 0; m < outputs; m++) {
                    sums[m] += c * shifted[m];
                }
            }
            writePartialSums(out, outOff + first, 2, outputs);
        }
        nextOutput = output + count;
        nextPosition = position + (phase + count) / 2;
        nextPhase = (phase + count) % 2;
        return count;
    }

    /**
     * {@link #writeReadyOutputs} for whole-number decimation (32 or 48 -> 16 kHz), bit for bit the
     * outputs of {@link #dot}: output m's tap j reads input {@code start + j + step * m}, a strided run;
     * de-interleaved once into {@code step} lanes (lane q holds inputs {@code start + q + step * t}),
     * each tap's inputs are a contiguous run of one lane.
     */
    private int writeReadyOutputsDecimating(float[] out, int outOff, long limit) {
        final int n = taps;
        final int step = stepWhole;
        final long available = bufferStart + buffered;
        long output = nextOutput;
        long position = nextPosition;
        int count = 0;
        while (output + count < limit && position + (long) count * step + half < available) {
            count++;
        }
        if (count == 0) {
            return 0;
        }
        int start = (int) (position - half + 1 - bufferStart);
        for (int q = 0; q < step; q++) {
            float[] lane = lanes[q];
            int t = 0;
            for (int at = start + q; at < buffered; at += step) {
                lane[t++] = buffer[at];
            }
        }
        clearPartialSums(count);
        float[] shifted = window;
        for (int j = 0; j < n; j++) {
            System.arraycopy(lanes[j % step], j / step, shifted, 0, count);
            float c = coefficients[j];
            float[] sums = partial[j & 3];
            for (int m = 0; m < count; m++) {
                sums[m] += c * shifted[m];
            }
        }
        writePartialSums(out, outOff, 1, count);
        nextOutput = output + count;
        nextPosition = position + (long) count * step;
        return count;
    }

    private void clearPartialSums(int outputs) {
        for (float[] sums : partial) {
            Arrays.fill(sums, 0, outputs, 0f);
        }
    }

    /** The outputs, (s0 + s1) + (s2 + s3) as in {@link #dot}, every {@code stride}-th sample from {@code outOff}. */
    private void writePartialSums(float[] out, int outOff, int stride, int outputs) {
        float[] s0 = partial[0];
        float[] s1 = partial[1];
        float[] s2 = partial[2];
        float[] s3 = partial[3];
        for (int m = 0; m < outputs; m++) {
            out[outOff + stride * m] = (s0[m] + s1[m]) + (s2[m] + s3[m]);
        }
    }

    /**
     * Four independent accumulators break the add-latency chain; the order of operations depends
     * only on the tap index, never on where the samples sit in the buffer, which is what makes the
     * output independent of chunking. {@code n} is a multiple of 4.
     */
    private static float dot(float[] coef, int coefStart, float[] x, int xStart, int n) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        for (int j = 0; j < n; j += 4) {
            s0 += coef[coefStart + j] * x[xStart + j];
            s1 += coef[coefStart + j + 1] * x[xStart + j + 1];
            s2 += coef[coefStart + j + 2] * x[xStart + j + 2];
            s3 += coef[coefStart + j + 3] * x[xStart + j + 3];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Moves the samples the next output still needs to the front of the buffer. */
    private void dropSamplesBehindNextOutput() {
        int keepFrom = (int) (nextPosition - half + 1 - bufferStart);
        int keep = buffered - keepFrom;
        System.arraycopy(buffer, keepFrom, buffer, 0, keep);
        bufferStart += keepFrom;
        buffered = keep;
    }

    /** {@code call} is a constant: building the message before knowing it is needed would allocate per call. */
    private static void requireRoom(float[] out, int outOff, int needed, String call) {
        if (outOff < 0 || outOff > out.length || out.length - outOff < needed) {
            throw new IndexOutOfBoundsException(call + " may write up to " + needed + " samples from offset "
                    + outOff + ", but the output array has length " + out.length);
        }
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
