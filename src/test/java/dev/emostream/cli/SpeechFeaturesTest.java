package dev.emostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.audio.Encoding;
import dev.emostream.audio.WavWriter;
import dev.emostream.testing.SpeechSignals;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code features --vad}: the frames of speech alone, as the service's gate passes them to the model. */
class SpeechFeaturesTest {
    static final int FRAMES_PER_STEP = dev.emostream.model.EmotionModel.bundledDescriptor().framesPerStep();

    @TempDir
    Path dir;

    @Test
    void speechFramesAreTheUtterancesRunsOfTheFullFramesInWholeSteps() throws Exception {
        SpeechSignals.assumeEspeak();
        // Quiet noise rather than digital silence between the utterances: every frame then differs, so
        // each gated frame can be found in the whole file's frames.
        SpeechSignals.Composed signal = new SpeechSignals().noise(1.0, -70)
                .speech(SpeechSignals.speak("I can't believe you did that to me", "en-us")).noise(1.2, -70).noise(1.0, -40)
                .speech(SpeechSignals.speak("Thank you so much, this is wonderful news", "en-gb")).noise(1.0, -70).build();
        Path wav = dir.resolve("speech.wav");
        WavWriter.write(wav, signal.samples(), 1, SpeechSignals.RATE, Encoding.F32LE);
        assertEquals(0, CliTestSupport.run("features", wav.toString(), "-o", dir.resolve("all").toString()).exitCode());
        CliTestSupport.Result r = CliTestSupport.run("features", wav.toString(), "-o", dir.resolve("vad").toString(), "--vad");
        assertEquals(0, r.exitCode(), r.err());
        float[][] all = NpyReader.read(dir.resolve("all/speech.npy"));
        float[][] speech = NpyReader.read(dir.resolve("vad/speech.npy"));

        // Each gated frame is a frame of the whole file, in order; consecutive ones form runs (utterances).
        List<int[]> runs = new ArrayList<>(); // [first frame, length]
        int at = 0;
        for (float[] frame : speech) {
            while (at < all.length && !java.util.Arrays.equals(all[at], frame)) {
                at++;
            }
            assertTrue(at < all.length, "a gated frame that the whole file does not have, in order");
            if (!runs.isEmpty() && runs.get(runs.size() - 1)[0] + runs.get(runs.size() - 1)[1] == at) {
                runs.get(runs.size() - 1)[1]++;
            } else {
                runs.add(new int[] {at, 1});
            }
            at++;
        }
        List<SpeechSignals.Segment> truth = signal.speech();
        assertEquals(truth.size(), runs.size(), "one run of frames per utterance");
        for (int i = 0; i < runs.size(); i++) {
            int[] run = runs.get(i);
            assertEquals(0, run[1] % FRAMES_PER_STEP, "whole model steps only");
            double startS = run[0] * 0.010;
            double endS = (run[0] + run[1]) * 0.010;
            SpeechSignals.Segment s = truth.get(i);
            // The gate keeps 100 ms of pad either side of the speech; 100 ms more of tolerance.
            assertTrue(startS > s.startSeconds() - 0.2 && startS < s.startSeconds() + 0.1, "run " + i + " starts at " + startS + " s");
            assertTrue(endS > s.endSeconds() - 0.1 && endS < s.endSeconds() + 0.25, "run " + i + " ends at " + endS + " s");
        }
    }

    @Test
    void aFileWithoutSpeechFailsWithTheReason() throws Exception {
        Path wav = dir.resolve("noise.wav");
        WavWriter.write(wav, new SpeechSignals().silence(1).noise(2, -30).tones(2).build().samples(), 1, SpeechSignals.RATE,
                Encoding.F32LE);
        CliTestSupport.Result r = CliTestSupport.run("features", wav.toString(), "-o", dir.resolve("vad").toString(), "--vad");
        assertTrue(r.exitCode() != 0, "no speech: the file fails");
        assertTrue((r.out() + r.err()).contains("no speech detected"), r.out() + r.err());
    }
}
