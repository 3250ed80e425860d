package dev.emostream.features;

import dev.emostream.audio.Resampler;
import java.util.ArrayList;
import java.util.List;

/**
 * The streaming path from mono audio at the source's rate to feature frames: a band-limited
 * resampler to the spec's rate (skipped when the rates match) feeding the streaming extractor.
 * Both stages are chunk-invariant, so the pipeline is too: a file fed in 20 ms chunks gives the
 * frames of the whole file in one call. One instance per stream; not thread-safe.
 */
public final class FeaturePipeline {
    private final int inputRate;
    private final Resampler resampler; // null when the input is already at the spec's rate
    private final StreamingFeatureExtractor extractor;
    private float[] resampled = new float[0];
    private boolean finished;

    public FeaturePipeline(FeatureSpec spec, int inputRate) {
        this.inputRate = inputRate;
        this.resampler = inputRate == spec.sampleRate() ? null : new Resampler(inputRate, spec.sampleRate());
        this.extractor = new StreamingFeatureExtractor(spec);
    }

    public int inputRate() {
        return inputRate;
    }

    public StreamingFeatureExtractor extractor() {
        return extractor;
    }

    /** Feeds {@code len} mono samples at the input rate; completed frames go to {@code sink}. */
    public void accept(float[] samples, int off, int len, FrameSink sink) {
        if (finished) {
            throw new IllegalStateException("the stream was finished");
        }
        if (resampler == null) {
            extractor.accept(samples, off, len, sink);
            return;
        }
        // Check before the resampler takes the chunk: NaN would smear over the filter length.
        for (int i = off, end = off + len; i < end; i++) {
            if (!Float.isFinite(samples[i])) {
                throw new FeatureInputException("sample " + (i - off) + " of the chunk is " + samples[i]
                        + ": audio must be finite");
            }
        }
        int n = resampler.process(samples, off, len, buffer(resampler.maxOutput(len)), 0);
        extractor.accept(resampled, 0, n, sink);
    }

    /**
     * Ends the stream: the resampler's look-ahead is filled with silence so the last input samples
     * reach the extractor. Frames need whole windows, so a final partial window yields nothing.
     */
    public void finish(FrameSink sink) {
        if (finished) {
            return;
        }
        finished = true;
        if (resampler != null) {
            int n = resampler.flush(buffer(resampler.maxFlushOutput()), 0);
            extractor.accept(resampled, 0, n, sink);
        }
    }

    private float[] buffer(int size) {
        // Grows to the largest chunk seen, then stays: steady state allocates nothing.
        if (resampled.length < size) {
            resampled = new float[size];
        }
        return resampled;
    }

    /** Offline convenience: every frame of a whole mono signal. */
    public static float[][] extractAll(FeatureSpec spec, int inputRate, float[] mono) {
        FeaturePipeline pipeline = new FeaturePipeline(spec, inputRate);
        List<float[]> frames = new ArrayList<>();
        FrameSink sink = (i, f) -> frames.add(f.clone());
        int block = 1 << 16; // bounded chunks keep the resampler's output buffer small
        for (int pos = 0; pos < mono.length; pos += block) {
            pipeline.accept(mono, pos, Math.min(block, mono.length - pos), sink);
        }
        pipeline.finish(sink);
        return frames.toArray(new float[0][]);
    }
}
