package dev.emostream.vad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpeechSegmenterTest {
    private static final long W = SileroVad.WINDOW;
    /** 0.5 / 0.35, 4 speech windows (128 ms) confirm, 5 windows (160 ms) of silence end, 32 ms pad. */
    private static final VadSettings S = new VadSettings(0.5, 0.35, 100, 150, 32, false, VadSettings.NO_QUIET_FLOOR, false);

    private static List<String> run(SpeechSegmenter seg, float... probs) {
        List<String> changes = new ArrayList<>();
        for (float p : probs) {
            SpeechSegmenter.Change c = seg.onWindow(p);
            if (c == SpeechSegmenter.Change.UTTERANCE_STARTED) {
                changes.add("start@" + (seg.windows() - 1) + ":" + seg.speechStart() / W);
            } else if (c == SpeechSegmenter.Change.UTTERANCE_ENDED) {
                changes.add("end@" + (seg.windows() - 1) + ":" + seg.speechEnd() / W);
            }
        }
        return changes;
    }

    private static float[] repeat(float p, int n) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, p);
        return x;
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int pos = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }

    @Test
    void speechIsConfirmedAfterMinSpeechAndEndsAfterMinSilence() {
        SpeechSegmenter seg = new SpeechSegmenter(S);
        List<String> changes = run(seg, concat(repeat(0.1f, 10), repeat(0.9f, 8), repeat(0.1f, 10)));
        // Confirmed at the 4th speech window (window 13); ends at the 5th silent window (22); speech 10-18.
        assertEquals(List.of("start@13:10", "end@22:18"), changes);
        assertEquals(10 * W - 512, seg.utteranceStart(), "the gate keeps the pad before the speech");
        assertEquals(18 * W + 512, seg.utteranceEnd(), "and after it");
        assertFalse(seg.inUtterance());
    }

    @Test
    void aBurstShorterThanMinSpeechIsNoUtterance() {
        SpeechSegmenter seg = new SpeechSegmenter(S);
        assertEquals(List.of(), run(seg, concat(repeat(0.1f, 5), repeat(0.9f, 3), repeat(0.1f, 10))));
        assertEquals(18 * W - 512, seg.decidedUntil(), "all but the pad is decided silence");
        assertEquals(-1, seg.speechStart());
    }

    @Test
    void hysteresisKeepsAnUtteranceThroughDipsAndPullsInItsOnset() {
        SpeechSegmenter seg = new SpeechSegmenter(S);
        float[] probs = concat(repeat(0.1f, 4), repeat(0.4f, 2), repeat(0.9f, 6),
                repeat(0.4f, 10), // between the thresholds: the utterance goes on
                repeat(0.2f, 4), repeat(0.8f, 3), // a silence shorter than min silence
                repeat(0.1f, 6));
        List<String> changes = run(seg, probs);
        assertEquals(2, changes.size(), changes.toString());
        assertTrue(changes.get(0).endsWith(":4"), "the onset windows between the thresholds start the speech: " + changes);
        assertTrue(changes.get(1).endsWith(":29"), "speech ends after its last speech window: " + changes);
    }

    @Test
    void decisionsNeverGoBackAndUndecidedAudioIsBounded() {
        SpeechSegmenter seg = new SpeechSegmenter(S);
        long last = 0;
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < 5000; i++) {
            seg.onWindow(r.nextFloat());
            assertTrue(seg.decidedUntil() >= last, "decisions are final");
            last = seg.decidedUntil();
            long undecided = seg.windows() * W - seg.decidedUntil();
            assertTrue(undecided <= (2L * S.minSpeechWindows() + S.minSilenceWindows() + 1) * W + S.padSamples(),
                    "undecided audio " + undecided + " samples at window " + i);
        }
    }

    @Test
    void finishClosesAnOpenUtteranceAtTheEndOfTheAudio() {
        SpeechSegmenter seg = new SpeechSegmenter(S);
        run(seg, concat(repeat(0.1f, 3), repeat(0.9f, 10)));
        assertTrue(seg.inUtterance());
        assertEquals(SpeechSegmenter.Change.UTTERANCE_ENDED, seg.finish(13 * W - 100));
        assertEquals(13 * W - 100, seg.speechEnd());
        assertEquals(Long.MAX_VALUE, seg.decidedUntil());
        SpeechSegmenter candidate = new SpeechSegmenter(S);
        run(candidate, repeat(0.9f, 2));
        assertEquals(SpeechSegmenter.Change.NONE, candidate.finish(2 * W), "an unconfirmed candidate is dropped");
    }

    @Test
    void aRestoredSegmenterContinuesExactly() {
        java.util.Random r = new java.util.Random(9);
        float[] probs = new float[3000];
        for (int i = 0; i < probs.length; i++) {
            probs[i] = (i / 40) % 2 == 0 ? 0.9f * r.nextFloat() + 0.1f : 0.3f * r.nextFloat();
        }
        SpeechSegmenter straight = new SpeechSegmenter(S);
        List<String> expected = run(straight, probs);
        SpeechSegmenter first = new SpeechSegmenter(S);
        List<String> got = new ArrayList<>(run(first, java.util.Arrays.copyOf(probs, 1234)));
        ByteBuffer buf = ByteBuffer.allocate(SpeechSegmenter.BYTES);
        first.write(buf);
        assertFalse(buf.hasRemaining(), "BYTES is the written size");
        SpeechSegmenter second = new SpeechSegmenter(S);
        second.read(ByteBuffer.wrap(buf.array()));
        got.addAll(run(second, java.util.Arrays.copyOfRange(probs, 1234, probs.length)));
        assertEquals(expected, got);
        assertTrue(expected.size() > 10, "the signal has utterances");
    }

    @Test
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new VadSettings(0.5, 0.6, 250, 500, 100, false, VadSettings.NO_QUIET_FLOOR, false));
        assertThrows(IllegalArgumentException.class, () -> new VadSettings(1.0, 0.3, 250, 500, 100, false, VadSettings.NO_QUIET_FLOOR, false));
        assertThrows(IllegalArgumentException.class, () -> new VadSettings(0.5, 0.3, -1, 500, 100, false, VadSettings.NO_QUIET_FLOOR, false));
        assertThrows(IllegalArgumentException.class, () -> new VadSettings(0.5, 0.3, 250, 100, 100, false, VadSettings.NO_QUIET_FLOOR, false));
        assertThrows(IllegalArgumentException.class, () -> VadSettings.DEFAULTS.withQuietFloor(-10));
        assertThrows(IllegalArgumentException.class, () -> VadSettings.DEFAULTS.withQuietFloor(Double.NaN));
    }
}
