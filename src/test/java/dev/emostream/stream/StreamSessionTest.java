package dev.emostream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.emostream.audio.Encoding;
import dev.emostream.features.FeaturePipeline;
import dev.emostream.model.BatchInference;
import dev.emostream.model.EmotionModel;
import dev.emostream.model.StreamState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A session written to bytes mid-stream and read back continues exactly as if never interrupted. */
class StreamSessionTest {
    static final EmotionModel model = TestModel.get();


    static StreamSession fresh(int rate) {
        return new StreamSession("s", null, "agent", rate, Encoding.S16LE, 1,
                new FeaturePipeline(model.descriptor().featureSpec(), rate), new StreamState(model.descriptor(), 1000),
                new dev.emostream.vad.SpeechGate(null, model.descriptor().featureSpec(), model.descriptor().framesPerStep(), 1000));
    }

    /** Feeds [from, to) in 20 ms chunks, stepping after each; returns every step's probabilities. */
    static List<float[]> feed(StreamSession s, float[] signal, int from, int to, int rate, boolean end) {
        List<float[]> steps = new ArrayList<>();
        BatchInference inference = new BatchInference(model, 4, 100);
        int chunk = rate / 50;
        for (int pos = from; pos < to; pos += chunk) {
            s.pipeline.accept(signal, pos, Math.min(chunk, to - pos), s.gate.sink(s.model), s.gate::acceptSamples);
            inference.runReady(List.of(s.model), (st, i, p) -> steps.add(p.clone()));
        }
        if (end) {
            s.end("end_of_stream");
            inference.runReady(List.of(s.model), (st, i, p) -> steps.add(p.clone()));
        }
        return steps;
    }

    @ParameterizedTest
    @ValueSource(ints = {8_000, 16_000, 44_100})
    void restoredMidStreamContinuesBitForBit(int rate) {
        float[] signal = TestFrames.voice(rate, 2.0, rate);
        List<float[]> whole = feed(fresh(rate), signal, 0, signal.length, rate, true);
        Random random = new Random(rate);
        for (int trial = 0; trial < 3; trial++) {
            int cut = random.nextInt(signal.length);
            StreamSession first = fresh(rate);
            first.lastSequence = 41;
            first.nextEventMs = 1500;
            first.marks.add(new StreamSession.FrameMark(12, 41, 1234));
            List<float[]> steps = feed(first, signal, 0, cut, rate, false);
            byte[] bytes = first.toBytes();
            StreamSession restored = StreamSession.fromBytes(bytes, model.descriptor(), null, 1000);
            assertArrayEquals(bytes, restored.toBytes(), "bytes round trip");
            assertEquals(41, restored.lastSequence);
            assertEquals(1500, restored.nextEventMs);
            assertEquals("agent", restored.role);
            assertEquals(List.copyOf(first.marks), List.copyOf(restored.marks));
            steps.addAll(feed(restored, signal, cut, signal.length, rate, true));
            assertEquals(whole.size(), steps.size());
            for (int i = 0; i < whole.size(); i++) {
                assertArrayEquals(whole.get(i), steps.get(i), "step " + i + " after a cut at sample " + cut);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 10, 200})
    void damagedBytesAreRefusedWithAReason(int keep) {
        StreamSession s = fresh(16_000);
        float[] signal = TestFrames.voice(16_000, 0.3, 1);
        feed(s, signal, 0, signal.length, 16_000, false);
        byte[] bytes = s.toBytes();
        byte[] damaged = Arrays.copyOf(bytes, keep);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StreamSession.fromBytes(damaged, model.descriptor(), null, 1000));
        assertEquals(true, e.getMessage().startsWith("unreadable stream state"));
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(IllegalArgumentException.class, () -> StreamSession.fromBytes(longer, model.descriptor(), null, 1000));
    }
}
