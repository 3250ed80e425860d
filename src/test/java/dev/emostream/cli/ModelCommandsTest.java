package dev.emostream.cli;

import dev.emostream.audio.DemoSignal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.audio.Encoding;
import dev.emostream.audio.WavWriter;
import dev.emostream.testing.SpeechSignals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** classify and eval with the model bundled in the jar, on generated audio. */
class ModelCommandsTest {
    private static final Pattern LAST_LINE = Pattern.compile("accuracy=(0|1)\\.\\d{4} macro_f1=(0|1)\\.\\d{4} n=\\d+");

    @TempDir
    Path dir;

    private Path wav(String name, int rate, double seconds, long seed) throws IOException {
        Path file = dir.resolve(name);
        WavWriter.write(file, DemoSignal.generate(rate, seconds, seed), 1, rate, Encoding.S16LE);
        return file;
    }

    private static final Pattern TIMELINE = Pattern.compile("\\s+(\\d+\\.\\d\\d)s  \\w+\\s+0\\.\\d{3}");

    @Test
    void classifyWithoutVadPrintsATimelineOfAllAudioAndAFinalDecision() throws IOException {
        Path file = wav("voice.wav", 44_100, 3.0, 1);
        CliTestSupport.Result r = CliTestSupport.run("classify", file.toString(), "--provider", "cpu", "--no-vad");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        long timeline = lines.stream().filter(l -> TIMELINE.matcher(l).matches()).count();
        assertEquals(5, timeline, r.out()); // 0.5 .. 2.5 s: the 3.0 s step completes only at 3.01 s
        assertTrue(lines.get(lines.size() - 1).startsWith("final: "), r.out());
        // The one utterance ends with the audio of the last step (2.975 s), not at -1.
        assertTrue(r.out().contains("utterance 0 ends (0.00-2.98 s)"), r.out());
    }

    @Test
    void aQueueTooSmallForTheVadsDecisionWaitIsAUsageError() throws IOException {
        Path file = wav("short.wav", 16_000, 0.5, 2);
        CliTestSupport.Result r = CliTestSupport.run("classify", file.toString(), "--provider", "cpu", "--max-queued-frames", "64");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("wait for its decision: give at least"), r.err());
        assertEquals(0, CliTestSupport.run("classify", file.toString(), "--provider", "cpu", "--max-queued-frames", "64", "--no-vad")
                .exitCode(), "without the VAD nothing waits for a decision");
    }

    @Test
    void evalNamesAManifestThatIsADirectory() {
        CliTestSupport.Result r = CliTestSupport.run("eval", "--manifest", dir.toString(), "--provider", "cpu");
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("is a directory: give the manifest's CSV file"), r.err());
    }

    @Test
    void classifyReportsEmotionOnlyOverSpeechWithItsUtterances() throws Exception {
        SpeechSignals.assumeEspeak();
        float[] speech = SpeechSignals.speak("I told you three times already, and nobody listened to me", "en");
        SpeechSignals.Composed signal = new SpeechSignals().silence(2.0).speech(speech).silence(2.0).build();
        Path file = dir.resolve("speech.wav");
        WavWriter.write(file, signal.samples(), 1, SpeechSignals.RATE, Encoding.S16LE);

        CliTestSupport.Result r = CliTestSupport.run("classify", file.toString(), "--provider", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        SpeechSignals.Segment truth = signal.speech().get(0);
        List<Double> times = lines.stream().map(TIMELINE::matcher).filter(java.util.regex.Matcher::matches)
                .map(m -> Double.parseDouble(m.group(1))).toList();
        assertTrue(times.size() >= 3, r.out());
        for (double t : times) {
            // Steps only over the utterance (with its 100 ms pad): none in the leading silence, none long after the speech.
            assertTrue(t > truth.startSeconds() - 0.15 && t < truth.endSeconds() + 0.7, t + " s outside the speech\n" + r.out());
        }
        assertEquals(1, lines.stream().filter(l -> l.matches("\\s+\\d+\\.\\d\\ds  utterance 0 starts")).count(), r.out());
        assertEquals(1, lines.stream().filter(l -> l.matches("\\s+\\d+\\.\\d\\ds  utterance 0 ends \\(.*\\): \\w+ 0\\.\\d{3} \\(mean over it\\)"))
                .count(), r.out());
        assertTrue(lines.get(lines.size() - 1).startsWith("final: "), r.out());

        // Silence and noise alone: no emotion at all, and a non-zero exit that says why.
        Path quiet = dir.resolve("quiet.wav");
        WavWriter.write(quiet, new SpeechSignals().silence(1.0).noise(2.0, -40).build().samples(), 1, SpeechSignals.RATE,
                Encoding.S16LE);
        CliTestSupport.Result none = CliTestSupport.run("classify", quiet.toString(), "--provider", "cpu");
        assertEquals(1, none.exitCode(), none.out());
        assertTrue(none.out().contains("no speech detected"), none.out());
        assertEquals(0, none.out().lines().filter(l -> TIMELINE.matcher(l).matches()).count(), none.out());
    }

    @Test
    void evalGivesTheSameDecisionsWhateverTheChunkSize() throws IOException {
        wav("a.wav", 16_000, 2.0, 2);
        wav("b.wav", 8_000, 1.5, 3);
        wav("c.wav", 48_000, 2.5, 4);
        Files.writeString(dir.resolve("truncated.wav"), "RIFF");
        Path manifest = dir.resolve("m.csv");
        Files.writeString(manifest, "file,speaker,emotion\na.wav,s1,happy\nb.wav,s1,sad\nc.wav,s2,angry\n"
                + "truncated.wav,s2,sad\nd.wav,s2,boredom\n");

        CliTestSupport.Result small = CliTestSupport.run("eval", "--manifest", manifest.toString(), "--chunk-ms", "20",
                "--json", dir.resolve("small.json").toString(), "--provider", "cpu", "--no-vad");
        CliTestSupport.Result large = CliTestSupport.run("eval", "--manifest", manifest.toString(), "--chunk-ms", "700",
                "--json", dir.resolve("large.json").toString(), "--provider", "cpu", "--no-vad");

        for (CliTestSupport.Result r : List.of(small, large)) {
            assertEquals(0, r.exitCode(), r.err());
            List<String> lines = r.out().lines().toList();
            String last = lines.get(lines.size() - 1);
            assertTrue(LAST_LINE.matcher(last).matches(), last);
            assertTrue(last.endsWith(" n=3"), "the truncated clip is reported, not counted: " + last);
            assertTrue(r.err().contains("truncated.wav"), r.err());
            assertTrue(r.out().contains("1 rows skipped"), "the label the model lacks: " + r.out());
        }
        assertEquals(Files.readString(dir.resolve("small.json")), Files.readString(dir.resolve("large.json")));
    }

    @Test
    void restrictedDecisionsUseOnlyTheManifestsLabels() throws IOException {
        Path manifest = dir.resolve("m.csv");
        StringBuilder rows = new StringBuilder("file,speaker,emotion\n");
        for (int i = 0; i < 6; i++) {
            wav("r" + i + ".wav", 16_000, 1.0, 10 + i);
            rows.append("r").append(i).append(".wav,s1,").append(i % 2 == 0 ? "calm" : "fearful").append('\n');
        }
        Files.writeString(manifest, rows.toString());
        Path json = dir.resolve("r.json");
        CliTestSupport.Result r = CliTestSupport.run("eval", "--manifest", manifest.toString(), "--restrict-labels",
                "--json", json.toString(), "--provider", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        com.fasterxml.jackson.databind.JsonNode report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
        List<String> labels = new java.util.ArrayList<>();
        report.get("labels").forEach(l -> labels.add(l.asText()));
        long decided = 0;
        for (int predicted = 0; predicted < labels.size(); predicted++) {
            long column = 0;
            for (com.fasterxml.jackson.databind.JsonNode row : report.get("confusion")) {
                column += row.get(predicted).asLong();
            }
            if (!labels.get(predicted).equals("calm") && !labels.get(predicted).equals("fearful")) {
                assertEquals(0, column, "no decision for " + labels.get(predicted));
            }
            decided += column;
        }
        assertEquals(6, decided);
    }

    @Test
    void speakersSelectAFold() throws IOException {
        wav("a.wav", 16_000, 1.0, 5);
        wav("b.wav", 16_000, 1.0, 6);
        Path manifest = dir.resolve("m.csv");
        Files.writeString(manifest, "file,speaker,emotion\na.wav,s1,happy\nb.wav,s2,sad\n");
        CliTestSupport.Result r = CliTestSupport.run("eval", "--manifest", manifest.toString(), "--speakers", "s2",
                "--provider", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().strip().endsWith("n=1"), r.out());
    }

    @Test
    void badModelOptionsAreUsageErrors() {
        CliTestSupport.Result r = CliTestSupport.run("eval", "--manifest", "m.csv", "--provider", "tpu");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("unknown execution provider 'tpu'"), r.err());
    }
}
