package dev.emostream.cli;

import dev.emostream.audio.DemoSignal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.audio.ChannelSelection;
import dev.emostream.audio.Encoding;
import dev.emostream.audio.TelephonyChannel;
import dev.emostream.audio.WavReader;
import dev.emostream.audio.WavWriter;
import dev.emostream.features.FeaturePipeline;
import dev.emostream.features.FeatureSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeaturesCommandTest {
    private static final FeatureSpec SPEC = FeatureSpec.bundled();

    @TempDir
    Path dir;

    private Path wav(String name, int rate, int channels, Encoding encoding, double seconds) throws IOException {
        float[] mono = DemoSignal.generate(rate, seconds, name.hashCode());
        float[] interleaved = new float[mono.length * channels];
        for (int i = 0; i < mono.length; i++) {
            for (int c = 0; c < channels; c++) {
                interleaved[i * channels + c] = mono[i] * (c + 1) / channels;
            }
        }
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        WavWriter.write(file, interleaved, channels, rate, encoding);
        return file;
    }

    private Path manifest(String... lines) throws IOException {
        Path manifest = dir.resolve("manifest.csv");
        Files.writeString(manifest, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return manifest;
    }

    /** The frames of the whole file through the pipeline in irregular chunks: what the command must write. */
    private static float[][] expectedFrames(Path file, ChannelSelection selection) throws IOException {
        var audio = new WavReader().read(file);
        float[] mono = audio.mono(selection);
        FeaturePipeline pipeline = new FeaturePipeline(SPEC, audio.sampleRate());
        List<float[]> frames = new ArrayList<>();
        int[] chunks = {1, 313, 7, 5000};
        for (int pos = 0, k = 0; pos < mono.length; k++) {
            int n = Math.min(chunks[k % chunks.length], mono.length - pos);
            pipeline.accept(mono, pos, n, (i, f) -> frames.add(f.clone()));
            pos += n;
        }
        pipeline.finish((i, f) -> frames.add(f.clone()));
        return frames.toArray(new float[0][]);
    }

    private static void assertFrames(float[][] expected, float[][] actual) {
        assertEquals(expected.length, actual.length, "frame count");
        for (int f = 0; f < expected.length; f++) {
            assertArrayEquals(expected[f], actual[f], "frame " + f);
        }
    }

    private static List<String> filesUnder(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void writesTheFramesOfTheWholeFileStreamedBlockByBlock() throws IOException {
        // 3.5 s at 44.1 kHz stereo: many read blocks, so block edges fall inside frames.
        Path file = wav("a.wav", 44_100, 2, Encoding.S16LE, 3.5);
        Path out = dir.resolve("out");

        CliTestSupport.Result r = CliTestSupport.run("features", file.toString(), "-o", out.toString(), "--threads", "1");

        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("1 of 1 files"), r.out());
        float[][] written = NpyReader.read(out.resolve("a.npy"));
        // 3.5 s at 16 kHz: 56,000 samples
        assertEquals(SPEC.framesFor(56_000), written.length);
        assertFrames(expectedFrames(file, ChannelSelection.downmix()), written);
        assertFrames(FeaturePipeline.extractAll(SPEC, 44_100, new WavReader().read(file).mono(ChannelSelection.downmix())),
                written);
        assertEquals(SPEC, FeatureSpec.read(out.resolve("feature-spec.json")));
        assertEquals(List.of("a.npy", "feature-spec.json"), filesUnder(out), "no temporary file left");
    }

    @Test
    void telephonyFeaturesAreThoseOfTheAudioAfterAnEightKilohertzG711Line() throws IOException {
        Path file = wav("call.wav", 44_100, 1, Encoding.S16LE, 1.2);
        Path out = dir.resolve("tel");
        CliTestSupport.Result r = CliTestSupport.run("features", file.toString(), "-o", out.toString(),
                "--threads", "1", "--telephony", "alaw");
        assertEquals(0, r.exitCode(), r.err());
        float[][] written = NpyReader.read(out.resolve("call.npy"));

        // the same chain, built by hand and fed in one go: line first, then the 8 kHz pipeline
        float[] mono = new WavReader().read(file).mono(ChannelSelection.downmix());
        TelephonyChannel line = new TelephonyChannel(44_100, TelephonyChannel.Law.ALAW);
        float[] narrow = new float[line.maxOutput(mono.length) + line.maxFlushOutput()];
        int n = line.process(mono, 0, mono.length, narrow, 0);
        n += line.flush(narrow, n);
        float[][] expected = FeaturePipeline.extractAll(SPEC, TelephonyChannel.RATE, Arrays.copyOf(narrow, n));
        assertEquals(expected.length, written.length);
        for (int f = 0; f < expected.length; f++) {
            assertArrayEquals(expected[f], written[f], "frame " + f);
        }
        // and the line really changed the audio: the top mel bands (above 4 kHz) lose their energy
        float[][] wide = FeaturePipeline.extractAll(SPEC, 44_100, mono);
        int top = SPEC.featureCount() - 1;
        assertTrue(wide[50][top] - written[50][top] > 5, "band above 4 kHz: " + wide[50][top] + " vs " + written[50][top]);

        CliTestSupport.Result bad = CliTestSupport.run("features", file.toString(), "-o", out.toString(), "--telephony", "gsm");
        assertEquals(2, bad.exitCode());
    }

    @Test
    void speedPerturbedFeaturesAreThoseOfTheAudioPlayedFasterThenTheTelephoneLine() throws IOException {
        Path file = wav("voice.wav", 16_000, 1, Encoding.S16LE, 1.5);
        Path out = dir.resolve("speed");
        CliTestSupport.Result r = CliTestSupport.run("features", file.toString(), "-o", out.toString(),
                "--threads", "1", "--speed", "1.1", "--telephony", "mulaw");
        assertEquals(0, r.exitCode(), r.err());
        float[][] written = NpyReader.read(out.resolve("voice.npy"));

        // The same chain by hand: speed change, then the line, then the 8 kHz pipeline.
        float[] mono = new WavReader().read(file).mono(ChannelSelection.downmix());
        dev.emostream.audio.Resampler faster = dev.emostream.audio.Resampler.speedChange(16_000, 1.1);
        float[] sped = new float[faster.maxOutput(mono.length) + faster.maxFlushOutput()];
        int m = faster.process(mono, 0, mono.length, sped, 0);
        m += faster.flush(sped, m);
        TelephonyChannel line = new TelephonyChannel(16_000, TelephonyChannel.Law.MULAW);
        float[] narrow = new float[line.maxOutput(m) + line.maxFlushOutput()];
        int n = line.process(sped, 0, m, narrow, 0);
        n += line.flush(narrow, n);
        float[][] expected = FeaturePipeline.extractAll(SPEC, TelephonyChannel.RATE, Arrays.copyOf(narrow, n));
        assertEquals(expected.length, written.length);
        for (int f = 0; f < expected.length; f++) {
            assertArrayEquals(expected[f], written[f], "frame " + f);
        }
        // 1.5 s played 1.1 times as fast: 1.36 s of audio, about 134 frames instead of 148.
        assertEquals(SPEC.framesFor((long) Math.ceil(16_000 * 1.5 / 1.1)), written.length, 1);

        assertEquals(2, CliTestSupport.run("features", file.toString(), "-o", out.toString(), "--speed", "3").exitCode());
        assertEquals(2, CliTestSupport.run("features", file.toString(), "-o", out.toString(), "--speed", "1.03").exitCode());
        // 44.1 kHz x 1.1 is not on the 100 Hz grid: that file fails with the reason, the run goes on.
        Path odd = wav("odd.wav", 44_100, 1, Encoding.S16LE, 0.5);
        CliTestSupport.Result oddRun = CliTestSupport.run("features", odd.toString(), "-o", out.toString(), "--speed", "1.1");
        assertTrue(oddRun.exitCode() != 0 && (oddRun.out() + oddRun.err()).contains("multiple of 100 Hz"), oddRun.out() + oddRun.err());
    }

    @Test
    void aSelectedChannelIsTheOneProcessed() throws IOException {
        Path file = wav("three.wav", 16_000, 3, Encoding.F32LE, 1.0);
        Path out = dir.resolve("out");
        CliTestSupport.Result r = CliTestSupport.run("features", file.toString(), "-o", out.toString(), "--channel", "2");
        assertEquals(0, r.exitCode(), r.err());
        assertFrames(expectedFrames(file, ChannelSelection.channel(2)), NpyReader.read(out.resolve("three.npy")));

        CliTestSupport.Result missing = CliTestSupport.run("features", file.toString(), "-o", out.toString(), "--channel", "3");
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("channel 3 selected, but the audio has 3 channels"), missing.err());
    }

    @Test
    void manifestRunSkipsBadFilesAndListsEveryFailureWithItsReason() throws IOException {
        Path audio = dir.resolve("audio");
        wav("audio/spk1/good-16k.wav", 16_000, 1, Encoding.S16LE, 1.0);
        wav("audio/spk1/good-8k-mulaw.wav", 8_000, 1, Encoding.MULAW, 1.0);
        wav("audio/spk2/good-48k-float.wav", 48_000, 1, Encoding.F32LE, 0.5);
        Path truncated = wav("audio/spk2/truncated.wav", 16_000, 1, Encoding.S16LE, 1.0);
        byte[] bytes = Files.readAllBytes(truncated);
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        Files.writeString(audio.resolve("spk2/not-a-wav.wav"), "hello, I am text");
        wav("audio/spk2/too-short.wav", 16_000, 1, Encoding.S16LE, 0.01);
        Path manifest = audio.resolve("manifest.csv");
        Files.writeString(manifest, String.join("\n",
                "file,corpus,speaker,emotion,sentence",
                "spk1/good-16k.wav,test,spk1,happy,\"Hello, world\"",
                "spk1/good-8k-mulaw.wav,test,spk1,sad,\"He said \"\"no\"\", twice\"",
                "spk2/good-48k-float.wav,test,spk2,angry,plain",
                "spk2/truncated.wav,test,spk2,angry,plain",
                "spk2/not-a-wav.wav,test,spk2,angry,plain",
                "spk2/missing.wav,test,spk2,angry,plain",
                "spk2/too-short.wav,test,spk2,angry,plain",
                "../escape.wav,test,spk2,angry,plain",
                "/abs/olute.wav,test,spk2,angry,plain") + "\n", StandardCharsets.UTF_8);
        Path out = dir.resolve("out");

        CliTestSupport.Result r = CliTestSupport.run("features", "--manifest", manifest.toString(),
                "-o", out.toString(), "--threads", "2");

        assertEquals(Main.EXIT_PARTIAL_FAILURE, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("3 of 9 files"), r.out());
        assertTrue(r.err().contains("6 file(s) failed"), r.err());
        List<String> lines = r.err().lines().toList();
        assertFailure(lines, "truncated.wav", "truncated: data chunk declares 32000 bytes, only ");
        assertFailure(lines, "not-a-wav.wav", "not a RIFF/WAVE file: starts with 'hell'");
        assertFailure(lines, "missing.wav", "no such file: " + audio.resolve("spk2/missing.wav"));
        assertFailure(lines, "too-short.wav", "too short: 0.010 s gives no complete 400-sample window");
        assertFailure(lines, "escape.wav", "path escapes the audio directory");
        assertFailure(lines, "olute.wav", "absolute path not allowed in a manifest");

        // 0.5 s at 48 kHz resamples to 8,000 samples at 16 kHz
        assertEquals(SPEC.framesFor(8_000), NpyReader.read(out.resolve("spk2/good-48k-float.npy")).length);
        assertEquals(SPEC.framesFor(16_000), NpyReader.read(out.resolve("spk1/good-8k-mulaw.npy")).length);
        assertFalse(Files.exists(out.resolve("spk2/too-short.npy")), "a failed file leaves no output");

        Manifest index = Manifest.read(out.resolve("features.csv"));
        assertEquals(List.of("file", "corpus", "speaker", "emotion", "sentence", "features", "frames", "seconds"),
                index.columns());
        assertEquals(3, index.rows().size());
        assertEquals("He said \"no\", twice", index.rows().get(1).get("sentence"));
        assertEquals("spk1/good-8k-mulaw.npy", index.rows().get(1).get("features"));
        assertEquals(Long.toString(SPEC.framesFor(16_000)), index.rows().get(1).get("frames"));
        assertEquals("1.0000", index.rows().get(1).get("seconds"));
        Manifest failures = Manifest.read(out.resolve("failures.csv"));
        assertEquals(6, failures.rows().size());
        assertEquals("spk2/missing.wav", failures.rows().get(2).get("file"));
    }

    /** The summary line of {@code file} gives {@code reason}, not just the file name. */
    private static void assertFailure(List<String> lines, String file, String reason) {
        String line = lines.stream().filter(l -> l.contains(file + ": ")).findFirst().orElse("(none)");
        assertTrue(line.substring(line.indexOf(file + ": ")).contains(reason),
                "failure of " + file + " gives '" + reason + "': " + line);
    }

    @Test
    void inputsWithTheSameOutputClashAndTheFirstWins() throws IOException {
        Path first = wav("x/a.wav", 16_000, 1, Encoding.S16LE, 0.5);
        Path second = wav("y/a.wav", 8_000, 1, Encoding.S16LE, 1.0);
        Path third = wav("x/a.flac", 16_000, 1, Encoding.S16LE, 0.5); // a WAV with another extension
        Path out = dir.resolve("out");

        CliTestSupport.Result r = CliTestSupport.run("features", first.toString(), second.toString(), third.toString(),
                "-o", out.toString(), "--threads", "3");

        assertEquals(Main.EXIT_PARTIAL_FAILURE, r.exitCode(), r.err());
        List<String> lines = r.err().lines().toList();
        assertFailure(lines, second.toString(), "output clashes with " + first + ": both would write " + out.resolve("a.npy"));
        assertFailure(lines, third.toString(), "output clashes with " + first);
        assertFrames(expectedFrames(first, ChannelSelection.downmix()), NpyReader.read(out.resolve("a.npy")));
        assertEquals(List.of("a.npy", "feature-spec.json"), filesUnder(out));
    }

    @Test
    void aManifestRowListedTwiceIsDoneOnce() throws IOException {
        wav("spk/a.wav", 16_000, 1, Encoding.S16LE, 0.5);
        Path manifest = manifest("file,emotion", "spk/a.wav,happy", "spk/a.wav,sad");
        Path out = dir.resolve("out");

        CliTestSupport.Result r = CliTestSupport.run("features", "--manifest", manifest.toString(), "-o", out.toString());

        assertEquals(Main.EXIT_PARTIAL_FAILURE, r.exitCode(), r.err());
        assertTrue(r.err().contains("listed twice"), r.err());
        Manifest index = Manifest.read(out.resolve("features.csv"));
        assertEquals(1, index.rows().size());
        assertEquals("happy", index.rows().get(0).get("emotion"), "the first row wins");
    }

    @Test
    void manifestWithAByteOrderMarkIsRead() throws IOException {
        wav("a.wav", 16_000, 1, Encoding.S16LE, 0.5);
        Path manifest = dir.resolve("bom.csv");
        Files.write(manifest, ("\uFEFFfile,emotion\na.wav,calm\n").getBytes(StandardCharsets.UTF_8));
        Path out = dir.resolve("out");

        CliTestSupport.Result r = CliTestSupport.run("features", "--manifest", manifest.toString(), "-o", out.toString());

        assertEquals(0, r.exitCode(), r.err());
        assertEquals(List.of("file", "emotion", "features", "frames", "seconds"),
                Manifest.read(out.resolve("features.csv")).columns());
    }

    @Test
    void unusableManifestsAreOneClearError() throws IOException {
        String[][] cases = {
            {"path,emotion\na.wav,happy", "has no 'file' column"},
            {"file,emotion,emotion\na.wav,happy,sad", "duplicate column 'emotion'"},
            {"file,emotion", "has no rows"},
            {"file,frames\na.wav,12", "has a 'frames' column, which features.csv adds"},
            {"file,features\na.wav,x", "has a 'features' column"},
            {"seconds,file\n1.5,a.wav", "has a 'seconds' column"},
        };
        for (String[] c : cases) {
            Path manifest = dir.resolve("m.csv");
            Files.writeString(manifest, c[0] + "\n");
            CliTestSupport.Result r = CliTestSupport.run("features", "--manifest", manifest.toString(),
                    "-o", dir.resolve("out").toString());
            assertEquals(1, r.exitCode(), c[0]);
            assertTrue(r.err().contains(c[1]), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }

    @Test
    void exitCodeIsOneWhenEveryFileFails() throws IOException {
        Path out = dir.resolve("out");
        CliTestSupport.Result r = CliTestSupport.run("features", dir.resolve("nope1.wav").toString(),
                dir.resolve("nope2.wav").toString(), "-o", out.toString());
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("2 file(s) failed"), r.err());
        assertTrue(r.err().contains("no such file: " + dir.resolve("nope2.wav")), r.err());
    }

    @Test
    void failuresAreReportedEvenWhenTheIndexCannotBeWritten() throws IOException {
        wav("a.wav", 16_000, 1, Encoding.S16LE, 0.5);
        Path manifest = manifest("file", "a.wav", "missing.wav");
        Path out = dir.resolve("out");
        Files.createDirectories(out.resolve("features.csv")); // a directory where the index goes

        CliTestSupport.Result r = CliTestSupport.run("features", "--manifest", manifest.toString(), "-o", out.toString());

        assertEquals(1, r.exitCode());
        assertTrue(r.out().contains("1 of 2 files"), r.out());
        assertTrue(r.err().contains("missing.wav: no such file"), r.err());
        assertTrue(r.err().contains("emostream features: is a directory: " + out.resolve("features.csv")), r.err());
    }

    @Test
    void anUnwritableOutputDirectoryFailsBeforeAnyWork() throws IOException {
        Path file = wav("a.wav", 16_000, 1, Encoding.S16LE, 0.5);
        Path out = Files.createDirectories(dir.resolve("read-only"));
        assertTrue(out.toFile().setWritable(false, false));
        try {
            // root writes anyway: then there is nothing to test here.
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(out), "running as root");
            CliTestSupport.Result r = CliTestSupport.run("features", file.toString(), "-o", out.toString());
            assertEquals(1, r.exitCode());
            assertEquals("emostream features: permission denied: " + out.resolve("feature-spec.json"), r.err().strip());
            assertEquals("", r.out());
        } finally {
            out.toFile().setWritable(true, false);
        }
    }

    @Test
    void anOutputPathThatIsAFileFailsBeforeAnyWork() throws IOException {
        Path file = wav("a.wav", 16_000, 1, Encoding.S16LE, 0.5);
        Path notADir = Files.writeString(dir.resolve("plain"), "x");
        CliTestSupport.Result r = CliTestSupport.run("features", file.toString(), "-o", notADir.toString());
        assertEquals(1, r.exitCode());
        assertEquals("emostream features: not a directory: " + notADir, r.err().strip());
    }

    @Test
    void aSpecTheExtractorCannotBuildIsOneError() throws IOException {
        Path spec = dir.resolve("spec.json");
        Files.writeString(spec, SPEC.toJson().replace("\"n_mels\" : 64", "\"n_mels\" : 256"));
        Path a = wav("a.wav", 16_000, 1, Encoding.S16LE, 0.5);
        Path b = wav("b.wav", 16_000, 1, Encoding.S16LE, 0.5);
        CliTestSupport.Result r = CliTestSupport.run("features", a.toString(), b.toString(), "--spec", spec.toString(),
                "-o", dir.resolve("out").toString());
        assertEquals(1, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("covers no FFT bin"), r.err());
        assertFalse(Files.exists(dir.resolve("out")), "nothing written");
    }

    @Test
    void badOptionValuesAreUsageErrorsOfOneLine() {
        String[][] cases = {
            {"--threads", "0", "--threads must be in [1, 256], got 0"},
            {"--threads", "257", "--threads must be in [1, 256], got 257"},
            {"--channel", "left", "invalid channel selection 'left'"},
            {"--max-file-mb", "0", "--max-file-mb must be in [1, 2047] MiB, got 0"},
            {"--max-file-mb", "2048", "--max-file-mb must be in [1, 2047] MiB, got 2048"},
        };
        for (String[] c : cases) {
            CliTestSupport.Result r = CliTestSupport.run("features", c[0], c[1], "x.wav", "-o", dir.resolve("out").toString());
            assertEquals(2, r.exitCode(), String.join(" ", c));
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("emostream features: "), r.err());
            assertTrue(r.err().contains(c[2]) && r.err().contains("(see 'emostream features --help')"), r.err());
            assertFalse(Files.exists(dir.resolve("out")), "nothing written for " + String.join(" ", c));
        }
        CliTestSupport.Result usage = CliTestSupport.run("features");
        assertEquals(2, usage.exitCode());
        assertEquals(1, usage.err().strip().lines().count(), usage.err());
        assertTrue(usage.err().contains("Missing required argument"), usage.err());
    }

    @Test
    void helpListsTheSupportedInputRatesAndLimits() {
        CliTestSupport.Result r = CliTestSupport.run("features", "--help");
        assertEquals(0, r.exitCode());
        String help = r.out().replaceAll("\\s+", " ");
        assertTrue(help.contains("at 8000, 11025, 16000, 22050, 32000, 44100, 48000 Hz"), r.out());
        assertTrue(help.contains("in MiB, 1-2047"), r.out());
    }
}
