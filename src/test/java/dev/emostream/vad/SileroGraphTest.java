package dev.emostream.vad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.emostream.audio.DemoSignal;
import dev.emostream.onnx.GraphProto;
import dev.emostream.onnx.ModelProto;
import dev.emostream.onnx.NodeProto;
import dev.emostream.onnx.ValueInfoProto;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Silero's rewritten graphs (what {@link SileroVad} runs) against the graph the npm package ships. */
class SileroGraphTest {

    @ParameterizedTest
    @ValueSource(ints = {16_000, 8_000})
    void theRewrittenGraphComputesWhatSilerosOwnDoes(int rate) throws Exception {
        int batch = 5;
        int windows = 250; // 8 s of audio, the recurrent state carried from window to window
        int context = SileroVad.context(rate);
        int width = context + SileroVad.window(rate);
        float[][] signals = new float[batch][];
        Random random = new Random(7);
        for (int b = 0; b < batch; b++) {
            // Voice-like audio with pauses, at a different level per stream, and one stream of noise.
            float[] s = DemoSignal.generate(rate, windows * 0.032 + 0.1, 11 + b);
            float gain = (float) Math.pow(10, -b / 2.0);
            for (int i = 0; i < s.length; i++) {
                s[i] = b == batch - 1 ? (float) (random.nextGaussian() * 0.05) : s[i] * gain;
            }
            signals[b] = s;
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] input = new float[batch * width];
        float[] rewrittenState = new float[batch * SileroVad.STATE_SIZE];
        float[] originalState = new float[batch * SileroVad.STATE_SIZE];
        float[] rewritten = new float[batch];
        float[] original = new float[batch];
        double maxProbDiff = 0;
        double maxStateDiff = 0;
        boolean speech = false;
        boolean silence = false;
        try (SileroVad vad = SileroVad.loadBundled(1);
             OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession shipped = env.createSession(SileroVad.bundledBytes(), options)) {
            for (int w = 0; w < windows; w++) {
                for (int b = 0; b < batch; b++) {
                    for (int i = 0; i < width; i++) {
                        int at = w * (width - context) + i - context;
                        input[b * width + i] = at < 0 ? 0 : signals[b][at];
                    }
                }
                vad.run(rate, input, rewrittenState, batch, rewritten);
                runShipped(env, shipped, rate, input, originalState, batch, original);
                for (int b = 0; b < batch; b++) {
                    maxProbDiff = Math.max(maxProbDiff, Math.abs(rewritten[b] - original[b]));
                    speech |= original[b] > 0.5;
                    silence |= original[b] < 0.35;
                }
                for (int i = 0; i < rewrittenState.length; i++) {
                    maxStateDiff = Math.max(maxStateDiff, Math.abs(rewrittenState[i] - originalState[i]));
                }
            }
        }
        System.out.printf("%d Hz: max |probability difference| %.2e, max |state difference| %.2e over %d windows x %d streams%n",
                rate, maxProbDiff, maxStateDiff, windows, batch);
        assertTrue(speech && silence, "the test audio has windows Silero takes for speech and for silence");
        // The same arithmetic with float sums in another order: differences at rounding level.
        assertTrue(maxProbDiff < 1e-5, "speech probabilities differ by " + maxProbDiff);
        assertTrue(maxStateDiff < 1e-3, "recurrent states differ by " + maxStateDiff);
    }

    private static void runShipped(OrtEnvironment env, OrtSession session, int rate, float[] input, float[] state, int batch,
                                   float[] probs) throws OrtException {
        int width = input.length / batch;
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {batch, width});
             OnnxTensor s = OnnxTensor.createTensor(env, FloatBuffer.wrap(state.clone()), new long[] {2, batch, 128});
             OnnxTensor sr = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {rate}), new long[0]);
             OrtSession.Result r = session.run(Map.of("input", x, "state", s, "sr", sr))) {
            ((OnnxTensor) r.get("output").orElseThrow()).getFloatBuffer().get(probs, 0, batch);
            ((OnnxTensor) r.get("stateN").orElseThrow()).getFloatBuffer().get(state);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {16_000, 8_000})
    void theRewrittenGraphIsOneRatesBranchWithMatrixProductsForConvolutions(int rate) throws Exception {
        GraphProto graph = ModelProto.parseFrom(SileroGraph.forRate(SileroVad.bundledBytes(), rate)).getGraph();
        assertEquals(List.of("input", "state"), graph.getInputList().stream().map(ValueInfoProto::getName).toList());
        assertEquals(List.of("output", "stateN"), graph.getOutputList().stream().map(ValueInfoProto::getName).toList());
        List<String> ops = graph.getNodeList().stream().map(NodeProto::getOpType).toList();
        // The five wide convolutions (STFT and encoder) became products; the decoder's 1 x 1 stays.
        assertEquals(1, ops.stream().filter("Conv"::equals).count(), ops.toString());
        assertEquals(5, ops.stream().filter("MatMul"::equals).count(), ops.toString());
    }

    @Test
    void aGraphThatIsNotSilerosIsRefusedClearly() throws Exception {
        VadException notOnnx = assertThrows(VadException.class, () -> SileroGraph.forRate(new byte[] {1, 2, 3, 4}, 16_000));
        assertTrue(notOnnx.getMessage().contains("not an ONNX file"), notOnnx.getMessage());
        byte[] emotionModel = Files.readAllBytes(Path.of("models/emotion-crnn.onnx"));
        VadException other = assertThrows(VadException.class, () -> SileroGraph.forRate(emotionModel, 16_000));
        assertTrue(other.getMessage().contains("not Silero v5's as expected"), other.getMessage());
        assertEquals(IllegalArgumentException.class,
                assertThrows(IllegalArgumentException.class, () -> SileroGraph.forRate(SileroVad.bundledBytes(), 44_100)).getClass());
    }
}
