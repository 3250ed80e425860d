package dev.emostream.vad;

import dev.emostream.features.FeaturePipeline;
import dev.emostream.model.BatchInference;
import dev.emostream.model.EmotionModel;
import dev.emostream.model.ModelDescriptor;
import dev.emostream.model.StreamState;
import java.util.List;

/**
 * One stream, end to end, as the service runs it: audio at its own rate -> resampling and features
 * -> voice activity -> the emotion model over speech, with carried state. The CLI's classify and
 * eval use it; the Kafka processor drives many streams through the same {@link SpeechInference}.
 */
public final class SpeechClassifier {
    /** What the stream produced, in audio order. */
    public interface Listener {
        /**
         * A model step over speech.
         *
         * @param endSample    end of the audio it heard, in samples at 16 kHz from the stream's start
         * @param speechFrames feature frames of speech the model has heard with this step (10 ms each)
         */
        void onStep(long step, long endSample, long speechFrames, float[] probabilities);

        default void onUtteranceStart(int utterance, long startSample) {
        }

        /** @param probabilities mean over the utterance's steps; null if it had none */
        default void onUtteranceEnd(int utterance, long startSample, long endSample, float[] probabilities) {
        }
    }

    private final FeaturePipeline pipeline;
    private final StreamState state;
    private final SpeechGate gate;
    private final SpeechInference<SpeechClassifier> inference;
    private final SpeechInference.Listener<SpeechClassifier> events;
    private final List<SpeechClassifier> self = List.of(this);
    private long sileroWindows;
    private long quietWindows;

    /**
     * @param vad      the VAD model, or null to classify all audio (no utterances)
     * @param settings the VAD settings (ignored without a VAD)
     */
    public SpeechClassifier(EmotionModel model, SileroVad vad, VadSettings settings, int inputRate, int maxQueuedFrames,
                            Listener listener) {
        ModelDescriptor d = model.descriptor();
        this.pipeline = new FeaturePipeline(d.featureSpec(), inputRate);
        this.state = new StreamState(d, maxQueuedFrames);
        this.gate = new SpeechGate(vad == null ? null : settings, d.featureSpec(), d.framesPerStep(), maxQueuedFrames, inputRate);
        this.inference = new SpeechInference<>(vad, new BatchInference(model, 1, Math.max(1, maxQueuedFrames / d.framesPerStep())),
                1, c -> c.gate, c -> c.state);
        this.events = new SpeechInference.Listener<>() {
            @Override
            public void onStep(SpeechClassifier c, long step, float[] probabilities) {
                listener.onStep(step, gate.stepEndSample(step), (step + 1) * d.framesPerStep(), probabilities);
            }

            @Override
            public void onUtteranceStart(SpeechClassifier c) {
                listener.onUtteranceStart(gate.utterance(), gate.utteranceStartSample());
            }

            @Override
            public void onUtteranceEnd(SpeechClassifier c) {
                // Without the VAD the one utterance ends with the audio of the last step.
                long end = gate.vadEnabled() ? gate.utteranceEndSample() : gate.stepEndSample(state.stepsDone() - 1);
                listener.onUtteranceEnd(gate.utterance(), gate.utteranceStartSample(), end, gate.utteranceProbabilities());
            }

            @Override
            public void onQuietWindow(SpeechClassifier c) {
                quietWindows++;
            }
        };
    }

    /** Feeds a chunk and runs everything it completes. */
    public void accept(float[] mono, int off, int len) {
        gate.acceptInput(mono, off, len);
        pipeline.accept(mono, off, len, gate.sink(state), gate.resampledTap());
        run();
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

    /** Ends the stream: flushes the resampler, decides the last audio, closes an open utterance. */
    public void finish() {
        pipeline.finish(gate.sink(state), gate.resampledTap());
        gate.finish();
        run();
        if (!gate.vadEnabled() && state.stepsDone() > 0) {
            // Without VAD the whole stream is one utterance, ending with the audio.
            events.onUtteranceEnd(this);
        }
    }

    private void run() {
        inference.run(self, events, (b, n) -> sileroWindows += b, (b, n) -> { });
    }

    /** VAD windows Silero has run on so far. */
    public long sileroWindows() {
        return sileroWindows;
    }

    /** VAD windows taken as silence below the quiet floor, without Silero. */
    public long quietWindows() {
        return quietWindows;
    }

    public SpeechGate gate() {
        return gate;
    }
}
