package dev.emostream.features;

import dev.emostream.audio.Resampler;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The streaming path from mono audio at the source's rate to feature frames: a band-limited
 * resampler to the spec's rate (skipped when the rates match) feeding the streaming extractor.
 * Both stages are chunk-invariant, so the pipeline is too: a file fed in 20 ms chunks gives the
 * frames of the whole file in one call.
 *
 * <p>Chunks of any size are taken in blocks of {@value #BLOCK} input samples, so the resampled
 * buffer is fixed (allocated once) and the extractor never sees more than a block's worth. Steady
 * state allocates nothing. One instance per stream; not thread-safe.
 */
public final class FeaturePipeline {
    /** Input samples per resampler call: bounds the resampled buffer whatever a caller passes. */
    static final int BLOCK = 4096;

    private final FeatureSpec spec;
    private final int inputRate;
    private final Resampler resampler; // null when the input is already at the spec's rate
    private final StreamingFeatureExtractor extractor;
    private final float[] resampled;
    private long samplesAccepted;
    private boolean finished;

    /** @throws dev.emostream.audio.AudioFormatException if the resampler cannot convert {@code inputRate} */
    public FeaturePipeline(FeatureSpec spec, int inputRate) {
        this.spec = spec;
        this.inputRate = inputRate;
        this.resampler = inputRate == spec.sampleRate() ? null : new Resampler(inputRate, spec.sampleRate());
        this.extractor = new StreamingFeatureExtractor(spec);
        this.resampled = resampler == null ? new float[0]
                : new float[Math.max(resampler.maxOutput(BLOCK), resampler.maxFlushOutput())];
    }

    public int inputRate() {
        return inputRate;
    }

    public StreamingFeatureExtractor extractor() {
        return extractor;
    }

    /** Input samples taken since the stream started. */
    public long samplesAccepted() {
        return samplesAccepted;
    }

    /**
     * Feeds {@code len} mono samples at the input rate; completed frames go to {@code sink}. The
     * whole chunk is checked before any of it is taken: a rejected chunk leaves the stream exactly
     * as it was.
     *
     * @throws FeatureInputException if a sample is NaN or infinite (checked before resampling:
     *         the filter would smear it over its length)
     * @throws IllegalStateException after {@link #finish}
     */
    public void accept(float[] samples, int off, int len, FrameSink sink) {
        accept(samples, off, len, sink, null);
    }

    /**
     * As {@link #accept(float[], int, int, FrameSink)}, also handing the audio at the spec's rate (what
     * the extractor frames) to {@code tap}, before the frames it completes: for a voice-activity
     * detector that must hear exactly what the features were made of.
     */
    public void accept(float[] samples, int off, int len, FrameSink sink, SampleSink tap) {
        Objects.checkFromIndexSize(off, len, samples.length);
        if (finished) {
            throw new IllegalStateException("the stream was finished");
        }
        for (int i = off, end = off + len; i < end; i++) {
            if (!Float.isFinite(samples[i])) {
                throw new FeatureInputException("sample " + (samplesAccepted + i - off) + " of the stream is "
                        + samples[i] + ": audio must be finite");
            }
        }
        for (int pos = off, end = off + len; pos < end; pos += BLOCK) {
            int n = Math.min(BLOCK, end - pos);
            if (resampler == null) {
                if (tap != null) {
                    tap.accept(samples, pos, n);
                }
                extractor.accept(samples, pos, n, sink);
            } else {
                int m = resampler.process(samples, pos, n, resampled, 0);
                if (tap != null) {
                    tap.accept(resampled, 0, m);
                }
                extractor.accept(resampled, 0, m, sink);
            }
            samplesAccepted += n;
        }
    }

    /**
     * Ends the stream: the resampler's look-ahead is filled with silence so the last input samples
     * reach the extractor. Frames need whole windows, so a final partial window yields nothing.
     */
    public void finish(FrameSink sink) {
        finish(sink, null);
    }

    /** As {@link #finish(FrameSink)}, handing the flushed audio to {@code tap} too. */
    public void finish(FrameSink sink, SampleSink tap) {
        if (finished) {
            return;
        }
        finished = true;
        if (resampler != null) {
            int m = resampler.flush(resampled, 0);
            if (tap != null) {
                tap.accept(resampled, 0, m);
            }
            extractor.accept(resampled, 0, m, sink);
        }
    }

    /**
     * The stream's state: what a pipeline of the same spec and input rate needs to continue exactly
     * where this one is.
     *
     * @throws IllegalStateException after {@link #finish}
     */
    public Snapshot snapshot() {
        if (finished) {
            throw new IllegalStateException("the stream was finished: nothing to resume");
        }
        return new Snapshot(inputRate, spec, samplesAccepted,
                resampler == null ? null : resampler.snapshot(), extractor.snapshot());
    }

    /**
     * Continues the stream a {@link #snapshot} was taken of, replacing this one's state (also after
     * {@link #finish}).
     *
     * @throws IllegalArgumentException if the snapshot comes from a pipeline of another input rate
     *         or spec, or is inconsistent; this pipeline is then unchanged
     */
    public void restore(Snapshot snapshot) {
        if (snapshot.inputRate() != inputRate) {
            throw new IllegalArgumentException("snapshot of a " + snapshot.inputRate()
                    + " Hz stream cannot be restored into a " + inputRate + " Hz pipeline");
        }
        if (!snapshot.spec().equals(spec)) {
            throw new IllegalArgumentException("snapshot of a stream with another feature spec: "
                    + snapshot.spec().toJson() + " is not this pipeline's " + spec.toJson());
        }
        if (resampler != null) {
            // Checks everything before it changes anything; the extractor's part was checked
            // when the snapshot was built, so nothing below can fail half way.
            resampler.restore(snapshot.resampler());
        }
        extractor.restore(snapshot.extractor());
        samplesAccepted = snapshot.samplesAccepted();
        finished = false;
    }

    /**
     * A pipeline's state: the resampler's (null when the input is at the spec's rate) and the
     * extractor's, with what they belong to. Arrays inside are not copied.
     */
    public record Snapshot(int inputRate, FeatureSpec spec, long samplesAccepted,
                           Resampler.Snapshot resampler, StreamingFeatureExtractor.Snapshot extractor) {
        public Snapshot {
            Objects.requireNonNull(spec, "spec");
            Objects.requireNonNull(extractor, "extractor");
            boolean resamples = inputRate != spec.sampleRate();
            if (resamples != (resampler != null)) {
                throw new IllegalArgumentException(resamples
                        ? "a " + inputRate + " Hz stream resamples to " + spec.sampleRate() + " Hz: the snapshot needs the resampler's state"
                        : "a stream at the spec's rate has no resampler state");
            }
            if (resamples && (resampler.inputRate() != inputRate || resampler.outputRate() != spec.sampleRate())) {
                throw new IllegalArgumentException("resampler state of " + resampler.inputRate() + " -> "
                        + resampler.outputRate() + " Hz in a snapshot of " + inputRate + " -> " + spec.sampleRate() + " Hz");
            }
            long consumed = resamples ? resampler.inputConsumed() : extractor.samplesAccepted();
            if (samplesAccepted != consumed) {
                throw new IllegalArgumentException("inconsistent snapshot: " + samplesAccepted + " samples accepted, "
                        + consumed + " taken by the first stage");
            }
            if (extractor.pending().length >= spec.winLength()) {
                throw new IllegalArgumentException("inconsistent snapshot: the extractor carries "
                        + extractor.pending().length + " samples, a frame holds " + spec.winLength());
            }
        }
    }

    /** Offline convenience: every frame of a whole mono signal. */
    public static float[][] extractAll(FeatureSpec spec, int inputRate, float[] mono) {
        FeaturePipeline pipeline = new FeaturePipeline(spec, inputRate);
        List<float[]> frames = new ArrayList<>();
        FrameSink sink = (i, f) -> frames.add(f.clone());
        pipeline.accept(mono, 0, mono.length, sink);
        pipeline.finish(sink);
        return frames.toArray(new float[0][]);
    }
}
