package dev.emostream.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped ONNX model, run by the Java code chunk by chunk with carried state, equals the
 * PyTorch model run over the whole sequence at once (vectors from models/train/export.py).
 */
class StreamingParityTest {
    private static final double TOLERANCE = 1e-4;
    private static EmotionModel model;
    private static JsonNode parity;

    @BeforeAll
    static void load() {
        model = EmotionModel.load(ModelFiles.descriptor(), ExecutionProvider.CPU, 1);
        parity = ModelFiles.parity();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void parityVectorsBelongToTheShippedModel() {
        assertEquals(model.descriptor().modelVersion(), parity.get("model_version").asText());
    }

    @Test
    void chunkedJavaInferenceEqualsFullSequencePyTorch() {
        int streams = parity.get("streams").asInt();
        int frames = parity.get("frames").asInt();
        int nFeat = parity.get("features").asInt();
        int steps = parity.get("steps").asInt();
        int classes = parity.get("classes").asInt();
        float[] features = ModelFiles.floats("features.f32");
        float[] expectedProbs = ModelFiles.floats("probs.f32");
        List<ModelDescriptor.StateTensor> tensors = model.descriptor().state();
        Random random = new Random(5);

        for (int trial = 0; trial < 6; trial++) {
            BatchInference inference = new BatchInference(model, 16, 1 + random.nextInt(40));
            List<StreamState> states = new ArrayList<>();
            List<List<float[]>> probs = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                states.add(new StreamState(model.descriptor(), 1000));
                probs.add(new ArrayList<>());
            }
            int[] fed = new int[streams];
            while (fed[0] < frames || fed[1] < frames) {
                for (int s = 0; s < streams; s++) {
                    // each stream gets its own random chunking, so batches mix streams at different points
                    int n = Math.min(frames - fed[s], random.nextInt(trial % 2 == 0 ? 3 : 30));
                    for (int f = 0; f < n; f++) {
                        float[] frame = new float[nFeat];
                        System.arraycopy(features, (s * frames + fed[s] + f) * nFeat, frame, 0, nFeat);
                        states.get(s).accept(fed[s] + f, frame);
                    }
                    fed[s] += n;
                }
                inference.runReady(states, (state, step, p) -> {
                    List<float[]> list = probs.get(states.indexOf(state));
                    assertEquals(list.size(), step, "steps arrive in order");
                    list.add(p.clone());
                });
            }
            double maxError = 0;
            for (int s = 0; s < streams; s++) {
                assertEquals(steps, probs.get(s).size(), "steps of stream " + s);
                assertEquals(frames - steps * model.descriptor().framesPerStep(), states.get(s).queuedFrames());
                for (int t = 0; t < steps; t++) {
                    for (int k = 0; k < classes; k++) {
                        double e = Math.abs(probs.get(s).get(t)[k] - expectedProbs[(s * steps + t) * classes + k]);
                        maxError = Math.max(maxError, e);
                    }
                }
                for (int i = 0; i < tensors.size(); i++) {
                    // the expected final state, batched as PyTorch returned it, then this stream's part
                    ModelDescriptor.StateTensor t = tensors.get(i);
                    float[] expected = ModelFiles.floats(parity.get("state_files").get(t.output()).asText());
                    float[] mine = new float[t.size()];
                    BatchInference.scatter(t, expected, mine, s, streams);
                    float[] actual = states.get(s).tensor(i);
                    for (int j = 0; j < mine.length; j++) {
                        // running sums grow with the stream: compare relative to their size
                        double scale = Math.max(1.0, Math.abs(mine[j]));
                        maxError = Math.max(maxError, Math.abs(actual[j] - mine[j]) / scale);
                    }
                }
            }
            assertTrue(maxError <= TOLERANCE, "trial " + trial + ": max |error| " + maxError);
        }
    }

    @Test
    void stateSurvivesSerialisation() {
        ModelDescriptor d = model.descriptor();
        int nFeat = d.featureSpec().featureCount();
        float[] features = ModelFiles.floats("features.f32");
        StreamState state = new StreamState(d, 1000);
        for (int f = 0; f < 41; f++) {
            float[] frame = new float[nFeat];
            System.arraycopy(features, f * nFeat, frame, 0, nFeat);
            state.accept(f, frame);
        }
        new BatchInference(model, 1, 100).runReady(List.of(state), (s, t, p) -> { });
        StreamState copy = StreamState.fromBytes(state.toBytes(), d, 1000);
        assertEquals(state.stepsDone(), copy.stepsDone());
        assertEquals(state.queuedFrames(), copy.queuedFrames());
        for (int i = 0; i < d.state().size(); i++) {
            assertEquals(java.util.Arrays.toString(state.tensor(i)), java.util.Arrays.toString(copy.tensor(i)));
        }
        assertTrue(state.stepsDone() == 10 && state.queuedFrames() == 1);
        byte[] bytes = state.toBytes();
        assertThrows(ModelException.class,
                () -> StreamState.fromBytes(java.util.Arrays.copyOf(bytes, bytes.length - 3), d, 1000));
        assertThrows(ModelException.class,
                () -> StreamState.fromBytes(java.util.Arrays.copyOf(bytes, bytes.length + 4), d, 1000), "trailing bytes");
        byte[] negativeSteps = bytes.clone();
        java.nio.ByteBuffer.wrap(negativeSteps).putLong(16, -5);
        assertThrows(ModelException.class, () -> StreamState.fromBytes(negativeSteps, d, 1000));
        byte[] hugeQueue = bytes.clone();
        java.nio.ByteBuffer.wrap(hugeQueue).putInt(12, 1 << 26);
        assertThrows(ModelException.class, () -> StreamState.fromBytes(hugeQueue, d, StreamState.maxQueuedFrames(64)));
        assertThrows(IllegalArgumentException.class, () -> new StreamState(d, d.framesPerStep() - 1));
    }
}
