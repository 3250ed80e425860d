package dev.emostream.model;

import dev.emostream.features.FeaturePipeline;
import java.util.List;

/**
 * One stream, end to end: mono audio at its own rate -> resampling and features -> model steps
 * with carried LSTM state, every step's probabilities to a listener. The streaming path the
 * service runs, for a single stream (the CLI's classify and eval use it; the Kafka service batches
 * many streams through {@link BatchInference} instead).
 */
public final class StreamClassifier {
    private final FeaturePipeline pipeline;
    private final StreamState state;
    private final BatchInference inference;
    private final BatchInference.StepListener listener;

    public StreamClassifier(EmotionModel model, int inputRate, int maxQueuedFrames, BatchInference.StepListener listener) {
        ModelDescriptor d = model.descriptor();
        this.pipeline = new FeaturePipeline(d.featureSpec(), inputRate);
        this.state = new StreamState(d, maxQueuedFrames);
        this.inference = new BatchInference(model, 1, Math.max(1, maxQueuedFrames / d.framesPerStep()));
        this.listener = listener;
    }

    /** Feeds a chunk and runs every step it completes. */
    public void accept(float[] mono, int off, int len) {
        pipeline.accept(mono, off, len, state);
        inference.runReady(List.of(state), listener);
    }

    /** Streams a whole signal in chunks of {@code chunk} samples, as a live source would, then ends it. */
    public void streamAll(float[] mono, int chunk) {
        if (chunk < 1) {
            throw new IllegalArgumentException("chunk must be positive, got " + chunk);
        }
        for (int pos = 0; pos < mono.length; pos += chunk) {
            accept(mono, pos, Math.min(chunk, mono.length - pos));
        }
        finish();
    }

    /** Ends the stream: flushes the resampler and runs the last complete steps. */
    public void finish() {
        pipeline.finish(state);
        inference.runReady(List.of(state), listener);
    }

    public StreamState state() {
        return state;
    }
}
