package dev.emostream.vad;

import dev.emostream.model.BatchInference;
import dev.emostream.model.StreamState;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs voice activity and emotion for many streams, batched: the VAD steps every stream that has a
 * window of audio (one ONNX call for all of them, as often as needed), the frames it decides are
 * speech go to the emotion model (one batched call per round, {@link BatchInference}), and streams
 * whose utterance ended get their last steps, their utterance-end callback and then go on. The Kafka
 * processor and the single-stream classifier both drive streams through this one class.
 *
 * @param <S> the caller's stream type
 */
public final class SpeechInference<S> {
    /** What happens to the streams, in audio order per stream. */
    public interface Listener<S> {
        /** A model step over speech of the stream's current utterance. */
        void onStep(S stream, long step, float[] probabilities);

        /** An utterance was confirmed (its first frames are about to reach the model). */
        default void onUtteranceStart(S stream) {
        }

        /** The utterance ended and all its steps have run ({@link SpeechGate#utteranceProbabilities()} is final). */
        default void onUtteranceEnd(S stream) {
        }

        /** The VAD decided more of the stream's audio (for progress over silence). */
        default void onDecided(S stream) {
        }

        /** A window below the quiet floor was taken as silence without running Silero. */
        default void onQuietWindow(S stream) {
        }
    }

    private final SileroVad vad;       // null: no VAD
    private final float[] silenceState16k; // Silero's state after digital silence (quiet windows skip the model)
    private final float[] silenceState8k;
    private final BatchInference inference;
    private final int maxBatch;
    private final Function<S, SpeechGate> gateOf;
    private final Function<S, StreamState> modelOf;

    /** @param inference the emotion model's batches, or null to run the VAD alone (the gated frames stay queued) */
    public SpeechInference(SileroVad vad, BatchInference inference, int maxBatch, Function<S, SpeechGate> gateOf,
                           Function<S, StreamState> modelOf) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be positive");
        }
        this.vad = vad;
        this.silenceState16k = vad == null ? null : vad.silenceState(SileroVad.SAMPLE_RATE);
        this.silenceState8k = vad == null ? null : vad.silenceState(SileroVad.NARROW_RATE);
        this.inference = inference;
        this.maxBatch = maxBatch;
        this.gateOf = gateOf;
        this.modelOf = modelOf;
    }

    /** Runs everything the streams have ready. */
    public void run(List<S> streams, Listener<S> listener, BatchInference.CallListener vadCalls,
                    BatchInference.CallListener modelCalls) {
        Map<StreamState, S> owners = new IdentityHashMap<>();
        List<StreamState> states = new ArrayList<>(streams.size());
        for (S s : streams) {
            StreamState m = modelOf.apply(s);
            owners.put(m, s);
            states.add(m);
        }
        BatchInference.StepListener steps = (state, step, probabilities) -> {
            S s = owners.get(state);
            gateOf.apply(s).addStep(probabilities);
            listener.onStep(s, step, probabilities);
        };
        boolean again = true;
        while (again) {
            if (vad != null) {
                runVad(streams, listener, vadCalls);
            }
            if (inference != null) {
                inference.runReady(states, steps, modelCalls);
            }
            again = false;
            for (S s : streams) {
                SpeechGate gate = gateOf.apply(s);
                if (gate.utteranceEnded()) {
                    listener.onUtteranceEnd(s);
                    gate.closeUtterance(modelOf.apply(s));
                    listener.onDecided(s);
                    again = true; // its next windows can run now
                }
            }
        }
    }

    private void runVad(List<S> streams, Listener<S> listener, BatchInference.CallListener calls) {
        List<S> ready = new ArrayList<>();
        float[] input = new float[0];
        float[] state = new float[0];
        float[] probs = new float[0];
        while (true) {
            ready.clear();
            int rate = 0; // one call runs one of Silero's branches: the first ready stream's; the others wait a turn
            for (S s : streams) {
                SpeechGate g = gateOf.apply(s);
                // Quiet windows need no ONNX call: taken here, in the stream's own order.
                while (g.windowsReady() > 0 && g.nextWindowQuiet()) {
                    int before = g.utterance();
                    g.onQuietWindow(g.vadRate() == SileroVad.NARROW_RATE ? silenceState8k : silenceState16k,
                            modelOf.apply(s));
                    if (g.utterance() != before) {
                        listener.onUtteranceStart(s);
                    }
                    listener.onQuietWindow(s);
                    listener.onDecided(s);
                }
                if (g.windowsReady() > 0 && ready.size() < maxBatch && (rate == 0 || g.vadRate() == rate)) {
                    rate = g.vadRate();
                    ready.add(s);
                }
            }
            if (ready.isEmpty()) {
                break;
            }
            int width = SileroVad.context(rate) + SileroVad.window(rate);
            int batch = ready.size();
            if (probs.length < batch || input.length < batch * width) {
                input = new float[batch * width];
                state = new float[batch * SileroVad.STATE_SIZE];
                probs = new float[batch];
            }
            int half = SileroVad.STATE_SIZE / 2;
            for (int b = 0; b < batch; b++) {
                SpeechGate g = gateOf.apply(ready.get(b));
                g.copyWindow(input, b * width);
                float[] st = g.vadState();
                // [2][batch][128]: layer 0 then layer 1.
                System.arraycopy(st, 0, state, b * half, half);
                System.arraycopy(st, half, state, (batch + b) * half, half);
            }
            long start = System.nanoTime();
            vad.run(rate, input, state, batch, probs);
            calls.onCall(batch, System.nanoTime() - start);
            for (int b = 0; b < batch; b++) {
                S s = ready.get(b);
                SpeechGate g = gateOf.apply(s);
                float[] st = g.vadState();
                System.arraycopy(state, b * half, st, 0, half);
                System.arraycopy(state, (batch + b) * half, st, half, half);
                int before = g.utterance();
                g.onWindow(probs[b], modelOf.apply(s));
                if (g.utterance() != before) {
                    listener.onUtteranceStart(s);
                }
                // After every window, so what the listener sees depends on the audio alone, not on how
                // many windows one call happened to cover.
                listener.onDecided(s);
            }
        }
        for (S s : streams) {
            SpeechGate g = gateOf.apply(s);
            if (g.finishIfDrained(modelOf.apply(s)) != SpeechSegmenter.Change.NONE || g.vadEnabled() && g.finished()) {
                listener.onDecided(s);
            }
        }
    }
}
