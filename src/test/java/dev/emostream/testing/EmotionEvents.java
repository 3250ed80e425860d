package dev.emostream.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.emostream.contract.EmotionEvent;
import java.util.List;

/** Comparing EmotionEvents across runs (the topology tests and the crash test). */
public final class EmotionEvents {
    private EmotionEvents() {
    }

    public static float[] probabilities(EmotionEvent e) {
        float[] p = new float[e.getProbabilities().size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = e.getProbabilities().get(i);
        }
        return p;
    }

    /**
     * The same events in the same order: hop, sequence, label, final flag exactly, probabilities to
     * 1e-6. Bit-identical on the development machine; streams share ONNX calls differently from run
     * to run, and ONNX Runtime's kernels may round differently per batch size on other CPUs.
     * Wall-clock fields (emit time, latency) are not compared.
     */
    public static void assertSameEvents(String what, List<EmotionEvent> expected, List<EmotionEvent> actual) {
        assertEquals(expected.size(), actual.size(), what + ": events");
        for (int i = 0; i < expected.size(); i++) {
            EmotionEvent e = expected.get(i);
            EmotionEvent g = actual.get(i);
            String at = what + " event " + i;
            assertEquals(e.getAudioStartMs(), g.getAudioStartMs(), at);
            assertEquals(e.getAudioEndMs(), g.getAudioEndMs(), at);
            assertEquals(e.getLastSequence(), g.getLastSequence(), at);
            assertEquals(e.getLabel(), g.getLabel(), at);
            assertEquals(e.getFinal$(), g.getFinal$(), at);
            assertArrayEquals(probabilities(e), probabilities(g), 1e-6f, at);
        }
    }
}
