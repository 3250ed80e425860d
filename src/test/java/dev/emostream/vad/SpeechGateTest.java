package dev.emostream.vad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.model.BatchInference;
import dev.emostream.model.EmotionModel;
import dev.emostream.model.ExecutionProvider;
import dev.emostream.model.ModelDescriptor;
import dev.emostream.model.StreamState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The gate's own rules, driven by hand-made speech probabilities (the VAD model is not involved). */
class SpeechGateTest {
    static EmotionModel model;
    static ModelDescriptor d;
    /** 0.5 / 0.35, 2 windows confirm, 3 windows end, no pad. */
    static final VadSettings QUICK = new VadSettings(0.5, 0.35, 64, 96, 0, true, VadSettings.NO_QUIET_FLOOR, false);

    @BeforeAll
    static void load() {
        model = EmotionModel.loadBundled(ExecutionProvider.CPU, 1);
        d = model.descriptor();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Feeds one window of audio per probability, with the feature frames that audio completes (random values). */
    static void feed(SpeechGate gate, StreamState state, Random random, float... probabilities) {
        float[] audio = new float[SileroVad.WINDOW];
        float[] frame = new float[d.featureSpec().featureCount()];
        var sink = gate.sink(state);
        for (float p : probabilities) {
            long before = gate.framesIn();
            gate.acceptSamples(audio, 0, audio.length);
            for (long i = before; i < gate.framesEndingBy(gate.samplesHeard()); i++) {
                for (int k = 0; k < frame.length; k++) {
                    frame[k] = (float) (-8 + 2 * random.nextGaussian());
                }
                sink.accept(i, frame);
            }
            assertEquals(1, gate.windowsReady());
            gate.onWindow(p, state);
        }
    }

    @Test
    void truncatedGateBytesAreRefusedWithAReason() {
        StreamState state = new StreamState(d, 1000);
        SpeechGate gate = new SpeechGate(QUICK, d.featureSpec(), d.framesPerStep(), 1000);
        feed(gate, state, new Random(3), 0.9f, 0.9f, 0.1f);
        byte[] bytes = gate.toBytes();
        assertArrayEquals(bytes, SpeechGate.fromBytes(bytes, QUICK, d.featureSpec(), d.framesPerStep(), 1000).toBytes());
        for (int keep : new int[] {0, 3, 20, bytes.length - 1}) {
            byte[] cut = Arrays.copyOf(bytes, keep);
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> SpeechGate.fromBytes(cut, QUICK, d.featureSpec(), d.framesPerStep(), 1000), keep + " bytes");
        }
    }

    @Test
    void onlyFramesOfConfirmedUtterancesReachTheModel() {
        StreamState state = new StreamState(d, 1000);
        SpeechGate gate = new SpeechGate(QUICK, d.featureSpec(), d.framesPerStep(), 1000);
        Random random = new Random(1);
        feed(gate, state, random, 0.1f, 0.1f, 0.1f, 0.9f, 0.1f, 0.1f, 0.1f, 0.1f);
        assertEquals(0, state.queuedFrames(), "silence and a one-window burst are dropped");
        assertEquals(-1, gate.utterance());
        feed(gate, state, random, 0.9f, 0.9f, 0.9f);
        assertTrue(state.queuedFrames() > 0, "confirmed speech reaches the model");
        assertEquals(0, gate.utterance());
        assertTrue(gate.inSpeech());
    }

    @Test
    void anEndedUtteranceHoldsTheGateUntilClosedAndThenTheStateIsResetOrCarried() {
        List<float[]> second = new ArrayList<>();
        for (boolean reset : new boolean[] {true, false}) {
            VadSettings settings = new VadSettings(0.5, 0.35, 64, 96, 0, reset, VadSettings.NO_QUIET_FLOOR, false);
            StreamState state = new StreamState(d, 1000);
            SpeechGate gate = new SpeechGate(settings, d.featureSpec(), d.framesPerStep(), 1000);
            BatchInference inference = new BatchInference(model, 1, 250);
            Random random = new Random(2);
            feed(gate, state, random, 0.1f, 0.9f, 0.9f, 0.9f, 0.9f, 0.1f, 0.1f, 0.1f);
            assertTrue(gate.utteranceEnded());
            gate.acceptSamples(new float[SileroVad.WINDOW], 0, SileroVad.WINDOW);
            assertEquals(0, gate.windowsReady(), "no window is taken while an ended utterance waits to be closed");
            inference.runReady(List.of(state), (s, step, p) -> { });
            assertTrue(state.stepsDone() > 0);
            gate.closeUtterance(state);
            assertEquals(0, state.queuedFrames(), "frames that do not fill a step are dropped at the utterance's end");
            assertEquals(1, gate.windowsReady());
            assertFalse(gate.utteranceEnded());
            // The next utterance's first step, on the same frames for both policies.
            float[] frames = new float[d.framesPerStep() * d.featureSpec().featureCount()];
            Arrays.fill(frames, -6f);
            for (int i = 0; i < d.framesPerStep(); i++) {
                state.accept(frames, i * d.featureSpec().featureCount());
            }
            float[][] out = new float[1][];
            inference.runReady(List.of(state), (s, step, p) -> out[0] = p.clone());
            second.add(out[0]);
        }
        StreamState fresh = new StreamState(d, 1000);
        float[] frames = new float[d.framesPerStep() * d.featureSpec().featureCount()];
        Arrays.fill(frames, -6f);
        for (int i = 0; i < d.framesPerStep(); i++) {
            fresh.accept(frames, i * d.featureSpec().featureCount());
        }
        float[][] expected = new float[1][];
        new BatchInference(model, 1, 250).runReady(List.of(fresh), (s, step, p) -> expected[0] = p.clone());
        assertArrayEquals(expected[0], second.get(0), 1e-6f, "reset: the next utterance starts as a new stream");
        assertFalse(Arrays.equals(expected[0], second.get(1)), "carry: the previous utterance still shapes it");
    }
}
