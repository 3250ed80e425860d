package dev.emostream.vad;

import dev.emostream.features.FeatureSpec;
import dev.emostream.features.SampleSink;
import dev.emostream.features.FrameSink;
import dev.emostream.model.StreamState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Between a stream's feature extractor and its emotion model: feature frames wait here until the
 * voice-activity detector has decided whether their audio is speech, then go on to the model
 * (speech) or are dropped (silence), so the emotion is computed over speech alone. The gate also
 * keeps the VAD's per-stream state (recurrent state, 64 samples of context, samples not yet making
 * a window) and the bookkeeping of the current utterance, and serialises all of it with the stream.
 *
 * <p>The driver (the stream processor, or {@code SpeechClassifier} for one stream) feeds audio and
 * frames in, runs the VAD on {@link #windowsReady()} windows (many streams per ONNX call), then runs
 * the model on what was released. When an utterance ends the gate stops taking windows until the
 * driver has stepped the utterance's last frames and called {@link #closeUtterance}, so each model
 * step belongs to one utterance and per-utterance results are exact whatever the chunking.
 *
 * <p>Without settings (VAD off) every frame is speech of one utterance that lasts the whole stream.
 */
public final class SpeechGate {
    /**
     * 1: the VAD at 16 kHz (or off); 2: at 8 kHz on the stream's own samples, with the feature pipeline's
     * sample count. The byte order is the container's (a stream session's format says which).
     */
    private static final int FORMAT_16K = 1;
    private static final int FORMAT_8K = 2;

    private final VadSettings settings;   // null: VAD off
    private final int featureCount;
    private final int hop;
    private final int halfWindow;
    private final int win;
    private final int framesPerStep;
    private final int maxPendingFrames;
    private final SpeechSegmenter segmenter;
    private final float[] vadState = new float[SileroVad.STATE_SIZE];
    /** The rate Silero hears this stream at: 16 kHz (the resampled audio) or 8 kHz (a telephone stream's own samples). */
    private final int vadRate;
    private final int window;             // samples per window at vadRate (32 ms)
    private final int scale;              // 16 kHz samples per VAD sample (1 or 2)
    private final double quietFloorPower; // mean square below which a window is quiet; 0: no floor
    private final float[] context;
    private float[] samples;              // at vadRate, waiting for the VAD
    private int sampleCount;
    private long samplesIn;               // at 16 kHz
    /**
     * 16 kHz samples the feature pipeline has produced: samplesIn at 16 kHz; at 8 kHz behind it by the
     * resampler's look-ahead (decisions wait for the features, so events do not depend on batching).
     */
    private long featureSamples;
    private float[] frames;
    private int frameCount;
    private long firstFrame;          // original index of frames[0]
    private long framesIn;
    private boolean finished;
    private boolean finalized;
    private boolean halted;
    /** The current (or last) utterance: first speech frame and the model step it started at; -1 before its first frame. */
    private long utteranceFirstFrame = -1;
    private long utteranceFirstStep;
    private float[] probabilitySum;
    private int probabilitySteps;

    /**
     * @param settings          VAD settings, or null for no VAD (everything is speech)
     * @param maxPendingFrames  frames that may wait for a decision (a bound on memory; the driver refuses input beyond it)
     */
    public SpeechGate(VadSettings settings, FeatureSpec spec, int framesPerStep, int maxPendingFrames) {
        this(settings, spec, framesPerStep, maxPendingFrames, SileroVad.SAMPLE_RATE);
    }

    /**
     * @param inputRate the stream's own rate: at 8 kHz, with {@link VadSettings#native8k()}, Silero's 8 kHz
     *                  branch hears the stream's samples ({@link #acceptInput}); otherwise its 16 kHz branch
     *                  hears the resampled audio ({@link #resampledTap})
     */
    public SpeechGate(VadSettings settings, FeatureSpec spec, int framesPerStep, int maxPendingFrames, int inputRate) {
        this(settings != null && settings.native8k() && inputRate == SileroVad.NARROW_RATE ? SileroVad.NARROW_RATE
                : SileroVad.SAMPLE_RATE, settings, spec, framesPerStep, maxPendingFrames);
    }

    private SpeechGate(int vadRate, VadSettings settings, FeatureSpec spec, int framesPerStep, int maxPendingFrames) {
        this.vadRate = vadRate;
        this.window = SileroVad.window(vadRate);
        this.scale = SileroVad.SAMPLE_RATE / vadRate;
        this.quietFloorPower = settings == null ? 0 : settings.quietFloorPower();
        this.context = new float[SileroVad.context(vadRate)];
        this.samples = new float[window * 2];
        if (spec.sampleRate() != SileroVad.SAMPLE_RATE && settings != null) {
            throw new IllegalArgumentException("the VAD needs " + SileroVad.SAMPLE_RATE + " Hz features, the spec is "
                    + spec.sampleRate() + " Hz");
        }
        this.settings = settings;
        this.featureCount = spec.featureCount();
        this.hop = spec.hopLength();
        this.win = spec.winLength();
        this.halfWindow = spec.winLength() / 2;
        this.framesPerStep = framesPerStep;
        this.maxPendingFrames = maxPendingFrames;
        this.segmenter = settings == null ? null : new SpeechSegmenter(settings);
        this.frames = new float[Math.min(maxPendingFrames, 64) * featureCount];
        if (settings == null) {
            utteranceFirstFrame = 0;
        }
    }

    public boolean vadEnabled() {
        return settings != null;
    }

    /** The rate Silero hears this stream at. */
    public int vadRate() {
        return vadRate;
    }

    /**
     * Where the feature pipeline's 16 kHz audio goes ({@code FeaturePipeline.accept}'s sample tap):
     * to the VAD when it runs at 16 kHz; null when it hears the stream's own 8 kHz samples or is off.
     */
    public SampleSink resampledTap() {
        if (settings == null) {
            return null;
        }
        return vadRate == SileroVad.SAMPLE_RATE ? this::acceptSamples : (in, off, len) -> featureSamples += len;
    }

    /** The stream's own samples, before resampling: what the VAD hears in its 8 kHz mode (otherwise ignored). */
    public void acceptInput(float[] in, int off, int len) {
        if (settings != null && vadRate == SileroVad.NARROW_RATE) {
            buffer(in, off, len);
        }
    }

    /** Takes audio at 16 kHz (the features' rate): what the VAD listens to in its 16 kHz mode. */
    public void acceptSamples(float[] in, int off, int len) {
        if (settings == null) {
            return;
        }
        if (vadRate != SileroVad.SAMPLE_RATE) {
            throw new IllegalStateException("this gate's VAD hears the stream's 8 kHz samples (acceptInput)");
        }
        buffer(in, off, len);
        featureSamples += len;
    }

    private void buffer(float[] in, int off, int len) {
        if (sampleCount + len > samples.length) {
            samples = Arrays.copyOf(samples, Math.max(sampleCount + len, samples.length * 2));
        }
        System.arraycopy(in, off, samples, sampleCount, len);
        sampleCount += len;
        samplesIn += (long) len * scale;
    }

    /**
     * Where the stream's feature frames go: with VAD, into this gate to wait for a decision; without,
     * straight to {@code model}.
     */
    public FrameSink sink(StreamState model) {
        if (settings == null) {
            return (index, features) -> {
                model.accept(index, features);
                framesIn++;
            };
        }
        return this::queue;
    }

    private void queue(long frameIndex, float[] features) {
        if (frameCount == maxPendingFrames) {
            throw new VadException("stream has " + maxPendingFrames + " feature frames waiting for the voice-activity "
                    + "decision (the configured limit)");
        }
        if (frameCount == 0) {
            firstFrame = frameIndex;
        }
        int needed = (frameCount + 1) * featureCount;
        if (frames.length < needed) {
            frames = Arrays.copyOf(frames, Math.min(maxPendingFrames * featureCount, Math.max(needed, frames.length * 2)));
        }
        System.arraycopy(features, 0, frames, frameCount * featureCount, featureCount);
        frameCount++;
        framesIn++;
    }

    /** Frames waiting for a decision. */
    public int pendingFrames() {
        return frameCount;
    }

    /**
     * What the gate holds, in frames' worth of stored values: the frames waiting for a decision plus
     * the samples waiting for the VAD (a frame is {@code featureCount} values, a sample one). The
     * stream's queue limit bounds this too, so the stored state stays bounded.
     */
    public int storedFrameEquivalents() {
        return frameCount + (sampleCount + featureCount - 1) / featureCount;
    }

    /** Frames' worth of stored values that {@code samples} more samples (at 16 kHz) add while they wait for the VAD. */
    public long sampleFrameEquivalents(long samples) {
        return settings == null ? 0 : (samples / scale + featureCount - 1) / featureCount;
    }

    /** Feature frames the stream has produced. */
    public long framesIn() {
        return framesIn;
    }

    public boolean finished() {
        return finished;
    }

    /** The stream has ended: what is left is decided once the driver has run the last windows. */
    public void finish() {
        finished = true;
    }

    /** Windows the VAD can run now (0 while an ended utterance waits for {@link #closeUtterance}). */
    public int windowsReady() {
        if (settings == null || halted || finalized) {
            return 0;
        }
        int full = sampleCount / window;
        return full > 0 ? full : (finished && sampleCount > 0 ? 1 : 0);
    }

    /**
     * Whether the next window is below the settings' quiet floor: silence without asking Silero
     * (a final partial window counts as zero-padded, as Silero would see it).
     */
    public boolean nextWindowQuiet() {
        double floor = quietFloorPower;
        if (floor == 0) {
            return false;
        }
        int n = Math.min(window, sampleCount);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += samples[i] * samples[i];
        }
        return sum < floor * window;
    }

    /**
     * Takes the next window as silence without running Silero on it ({@link #nextWindowQuiet}).
     * Silero's state becomes the one it reaches on digital silence ({@link SileroVad#silenceState}):
     * left as it was, it resumes from whatever it heard before the quiet, however long ago (tried:
     * after speech and silence it took -35 dBFS white noise for an utterance), and from an all-zero
     * state it took -30 dBFS noise after silence for speech (VoiceActivityTest, SpeechFeaturesTest).
     */
    public SpeechSegmenter.Change onQuietWindow(float[] silenceState, StreamState model) {
        System.arraycopy(silenceState, 0, vadState, 0, vadState.length);
        return onWindow(0f, model);
    }

    /**
     * Copies the next window, after its samples of context, into {@code dst} ({@code SileroVad.context + window}
     * of {@link #vadRate} values; a final partial window is zero-padded).
     */
    public void copyWindow(float[] dst, int off) {
        int ctx = context.length;
        System.arraycopy(context, 0, dst, off, ctx);
        int n = Math.min(window, sampleCount);
        System.arraycopy(samples, 0, dst, off + ctx, n);
        Arrays.fill(dst, off + ctx + n, off + ctx + window, 0f);
    }

    /** The VAD's recurrent state for this stream, [2][128]; the driver gathers and scatters it. */
    public float[] vadState() {
        return vadState;
    }

    /**
     * Takes the probability the VAD gave the window {@link #copyWindow} copied, releases the frames
     * it decides (speech to {@code model}, silence dropped) and says whether an utterance started or
     * ended. After an end, no more windows are taken until {@link #closeUtterance}.
     */
    public SpeechSegmenter.Change onWindow(float probability, StreamState model) {
        int n = Math.min(window, sampleCount);
        // The next window's context: the last samples of this one (zero padding included at the end).
        if (n == window) {
            System.arraycopy(samples, window - context.length, context, 0, context.length);
        }
        System.arraycopy(samples, n, samples, 0, sampleCount - n);
        sampleCount -= n;
        SpeechSegmenter.Change change = segmenter.onWindow(probability);
        if (change == SpeechSegmenter.Change.UTTERANCE_STARTED) {
            startUtterance(model);
        }
        if (finished && sampleCount == 0) {
            SpeechSegmenter.Change end = segmenter.finish(samplesIn);
            finalized = true;
            if (end != SpeechSegmenter.Change.NONE) {
                change = end;
            }
        }
        release(model);
        if (change == SpeechSegmenter.Change.UTTERANCE_ENDED) {
            halted = true;
        }
        return change;
    }

    /**
     * For a stream that ended with no audio left to make a window: decides the rest. Returns
     * UTTERANCE_ENDED if that closed an utterance.
     */
    public SpeechSegmenter.Change finishIfDrained(StreamState model) {
        if (settings == null || !finished || finalized || halted || sampleCount > 0) {
            return SpeechSegmenter.Change.NONE;
        }
        finalized = true;
        SpeechSegmenter.Change change = segmenter.finish(samplesIn);
        release(model);
        if (change == SpeechSegmenter.Change.UTTERANCE_ENDED) {
            halted = true;
        }
        return change;
    }

    private void startUtterance(StreamState model) {
        utteranceFirstFrame = -1;
        utteranceFirstStep = model.stepsDone();
        probabilitySum = null;
        probabilitySteps = 0;
    }

    private void release(StreamState model) {
        long decided = segmenter.decidedUntil();
        int done = 0;
        while (done < frameCount) {
            long index = firstFrame + done;
            long centre = index * hop + halfWindow;
            if (centre >= decided) {
                break;
            }
            if (isSpeech(centre)) {
                if (utteranceFirstFrame < 0) {
                    utteranceFirstFrame = index;
                    utteranceFirstStep = model.stepsDone() + model.queuedFrames() / framesPerStep;
                }
                model.accept(frames, done * featureCount);
            }
            done++;
        }
        if (done > 0) {
            System.arraycopy(frames, done * featureCount, frames, 0, (frameCount - done) * featureCount);
            frameCount -= done;
            firstFrame += done;
        }
    }

    private boolean isSpeech(long centre) {
        long start = segmenter.utteranceStart();
        if (start < 0 || centre < start) {
            return false;
        }
        long end = segmenter.utteranceEnd();
        return end < 0 || centre < end;
    }

    /** Whether an ended utterance waits for {@link #closeUtterance}. */
    public boolean utteranceEnded() {
        return halted;
    }

    /** Whether the stream is inside an utterance (VAD off: always, once it has audio). */
    public boolean inSpeech() {
        return settings == null || segmenter.inUtterance();
    }

    /**
     * Closes the ended utterance once the model has stepped its frames: frames that do not fill a
     * step are dropped (a step never spans two utterances), the model state is reset if so
     * configured, and windows are taken again.
     */
    public void closeUtterance(StreamState model) {
        model.dropQueuedFrames();
        if (settings != null && settings.resetPerUtterance()) {
            model.resetTensors();
        }
        halted = false;
    }

    /** Adds a model step's probabilities to the utterance's aggregate. */
    public void addStep(float[] probabilities) {
        if (probabilitySum == null) {
            probabilitySum = new float[probabilities.length];
        }
        for (int i = 0; i < probabilities.length; i++) {
            probabilitySum[i] += probabilities[i];
        }
        probabilitySteps++;
    }

    /** Mean probabilities over the utterance's steps so far; null if it has none. */
    public float[] utteranceProbabilities() {
        if (probabilitySum == null || probabilitySteps == 0) {
            return null;
        }
        float[] mean = probabilitySum.clone();
        for (int i = 0; i < mean.length; i++) {
            mean[i] /= probabilitySteps;
        }
        return mean;
    }

    /** How many labels the current utterance's summed probabilities have; -1 before its first step. */
    public int summedClasses() {
        return probabilitySum == null ? -1 : probabilitySum.length;
    }

    /** Index of the current or last utterance (0-based); -1 before the first (VAD off: 0). */
    public int utterance() {
        return settings == null ? 0 : segmenter.utterances() - 1;
    }

    /** Where the current or last utterance's speech starts (16 kHz samples; the pad before it not counted). */
    public long utteranceStartSample() {
        return settings == null ? 0 : segmenter.speechStart();
    }

    /** Where the last ended utterance's speech ends (exclusive; the pad after it not counted); -1 while one is open. */
    public long utteranceEndSample() {
        return settings == null ? -1 : segmenter.speechEnd();
    }

    /** Samples (16 kHz) decided so far; with VAD off, {@code Long.MAX_VALUE} (no decision is waited for). */
    public long decidedSamples() {
        return settings == null ? Long.MAX_VALUE : Math.min(Math.min(segmenter.decidedUntil(), samplesIn), featureSamples);
    }

    /** Samples (16 kHz) the VAD has been given. */
    public long samplesHeard() {
        return samplesIn;
    }

    /** Feature frames whose audio lies wholly before {@code sample}. */
    public long framesEndingBy(long sample) {
        return sample < win ? 0 : (sample - win) / hop + 1;
    }

    /** Last feature frame (original numbering) of model step {@code step} of the current utterance. */
    public long stepLastFrame(long step) {
        return utteranceFirstFrame + (step - utteranceFirstStep + 1) * framesPerStep - 1;
    }

    /** End sample (16 kHz, exclusive) of the audio model step {@code step} of the current utterance heard. */
    public long stepEndSample(long step) {
        return stepLastFrame(step) * hop + win;
    }

    /**
     * The gate as bytes, little-endian (see {@link dev.emostream.model.StreamState#toBytes()}). Written
     * with every frame of every stream: without the VAD, only the counters (no VAD state to carry).
     */
    public byte[] toBytes() {
        ByteBuffer out = ByteBuffer.allocate(serializedSize()).order(ByteOrder.LITTLE_ENDIAN);
        writeTo(out);
        return out.array();
    }

    private int serializedFloats() {
        int vadValues = settings == null ? 0 : SileroVad.STATE_SIZE + context.length;
        return vadValues + sampleCount + frameCount * featureCount + (probabilitySum == null ? 0 : probabilitySum.length);
    }

    /** Bytes {@link #writeTo} writes. */
    public int serializedSize() {
        int segmenterBytes = settings == null ? 0 : SpeechSegmenter.BYTES;
        boolean narrow = vadRate == SileroVad.NARROW_RATE;
        return 4 + 1 + (narrow ? 8 : 0) + segmenterBytes + 8 * 5 + 3 + 4 * 4 + 4 * serializedFloats();
    }

    /** Writes the gate at {@code out}'s position, in its byte order (a stream session embeds it so). */
    public void writeTo(ByteBuffer out) {
        boolean narrow = vadRate == SileroVad.NARROW_RATE;
        int start = out.position();
        out.putInt(narrow ? FORMAT_8K : FORMAT_16K).put((byte) (settings == null ? 0 : 1));
        if (narrow) {
            out.putLong(featureSamples);
        }
        if (segmenter != null) {
            segmenter.write(out);
        }
        out.putLong(samplesIn).putLong(firstFrame).putLong(framesIn).putLong(utteranceFirstFrame).putLong(utteranceFirstStep);
        out.put((byte) (finished ? 1 : 0)).put((byte) (finalized ? 1 : 0)).put((byte) (halted ? 1 : 0));
        out.putInt(probabilitySteps).putInt(sampleCount).putInt(frameCount)
                .putInt(probabilitySum == null ? -1 : probabilitySum.length);
        FloatBuffer f = out.asFloatBuffer();
        if (settings != null) {
            f.put(vadState).put(context);
        }
        f.put(samples, 0, sampleCount).put(frames, 0, frameCount * featureCount);
        if (probabilitySum != null) {
            f.put(probabilitySum);
        }
        out.position(out.position() + 4 * f.position());
        if (out.position() - start != serializedSize()) {
            throw new IllegalStateException("gate state size miscounted: " + (out.position() - start) + " bytes written, "
                    + serializedSize() + " counted");
        }
    }

    /**
     * Restores a gate written by {@link #toBytes()} with the same settings' presence.
     *
     * @throws IllegalArgumentException if the bytes are not such a gate
     */
    public static SpeechGate fromBytes(byte[] bytes, VadSettings settings, FeatureSpec spec, int framesPerStep,
                                       int maxPendingFrames) {
        return readFrom(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), settings, spec, framesPerStep, maxPendingFrames);
    }

    /**
     * Restores a gate written by {@link #writeTo}: all of {@code in}'s remaining bytes, in its byte
     * order, with the same settings' presence.
     *
     * @throws IllegalArgumentException if the bytes are not such a gate
     */
    public static SpeechGate readFrom(ByteBuffer in, VadSettings settings, FeatureSpec spec, int framesPerStep,
                                      int maxPendingFrames) {
        try {
            return read(in, settings, spec, framesPerStep, maxPendingFrames);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("gate state of " + in.limit() + " bytes is truncated", e);
        }
    }

    private static SpeechGate read(ByteBuffer in, VadSettings settings, FeatureSpec spec, int framesPerStep,
                                   int maxPendingFrames) {
        int size = in.remaining();
        int format = in.getInt();
        boolean vad = in.get() != 0;
        if (format != FORMAT_16K && format != FORMAT_8K || vad != (settings != null)) {
            throw new IllegalArgumentException("gate state format " + format + (vad ? " with" : " without")
                    + " VAD does not fit this service (formats " + FORMAT_16K + " and " + FORMAT_8K
                    + (settings != null ? " with" : " without") + " VAD)");
        }
        // The stream keeps the VAD rate it started with.
        boolean narrow = format == FORMAT_8K;
        long featureSamples = narrow ? in.getLong() : -1;
        SpeechGate g = new SpeechGate(narrow ? SileroVad.NARROW_RATE : SileroVad.SAMPLE_RATE, settings, spec, framesPerStep,
                maxPendingFrames);
        if (g.segmenter != null) {
            g.segmenter.read(in);
        }
        g.samplesIn = in.getLong();
        g.featureSamples = narrow ? featureSamples : g.samplesIn;
        g.firstFrame = in.getLong();
        g.framesIn = in.getLong();
        g.utteranceFirstFrame = in.getLong();
        g.utteranceFirstStep = in.getLong();
        g.finished = in.get() != 0;
        g.finalized = in.get() != 0;
        g.halted = in.get() != 0;
        g.probabilitySteps = in.getInt();
        int samples = in.getInt();
        int frameCount = in.getInt();
        int classes = in.getInt();
        long floats = (settings == null ? 0L : SileroVad.STATE_SIZE + g.context.length) + samples
                + (long) frameCount * g.featureCount + Math.max(0, classes);
        if (samples < 0 || frameCount < 0 || frameCount > maxPendingFrames || classes < -1 || in.remaining() != 4 * floats) {
            throw new IllegalArgumentException("gate state of " + size + " bytes does not add up (" + samples
                    + " samples, " + frameCount + " frames, " + classes + " classes)");
        }
        FloatBuffer f = in.asFloatBuffer();
        if (settings != null) {
            f.get(g.vadState).get(g.context);
        }
        g.samples = new float[Math.max(g.window * 2, samples)];
        f.get(g.samples, 0, samples);
        g.sampleCount = samples;
        g.frames = new float[Math.max(g.frames.length, frameCount * g.featureCount)];
        f.get(g.frames, 0, frameCount * g.featureCount);
        g.frameCount = frameCount;
        if (classes >= 0) {
            g.probabilitySum = new float[classes];
            f.get(g.probabilitySum);
        }
        in.position(in.limit());
        return g;
    }
}
