package dev.emostream.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.audio.ChannelSelection;
import dev.emostream.audio.Encoding;
import dev.emostream.audio.WavReader;
import dev.emostream.audio.WavWriter;
import dev.emostream.features.FeaturePipeline;
import dev.emostream.features.FeatureSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
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

    @Test
    void writesTheFramesOfTheStreamingPipelineAsNpy() throws IOException {
        Path file = wav("a.wav", 44_100, 2, Encoding.S16LE, 1.5);
        Path out = dir.resolve("out");

        CliTestSupport.Result r = CliTestSupport.run("features", file.toString(), "-o", out.toString(), "--threads", "1");

        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("1 of 1 files"), r.out());
        float[][] written = NpyReader.read(out.resolve("a.npy"));
        float[] mono = new WavReader().read(file).mono(ChannelSelection.downmix());
        float[][] expected = FeaturePipeline.extractAll(SPEC, 44_100, mono);
        assertEquals(expected.length, written.length);
        // 1.5 s at 16 kHz: 24,000 samples -> 148 frames of 40 MFCCs
        assertEquals(SPEC.framesFor(24_000), written.length);
        for (int f = 0; f < expected.length; f++) {
            assertArrayEquals(expected[f], written[f], "frame " + f);
        }
        assertEquals(SPEC, FeatureSpec.read(out.resolve("feature-spec.json")));
    }

    @Test
    void manifestRunSkipsBadFilesAndListsEveryFailure() throws IOException {
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
                "../escape.wav,test,spk2,angry,plain") + "\n", StandardCharsets.UTF_8);
        Path out = dir.resolve("out");

        CliTestSupport.Result r = CliTestSupport.run("features", "--manifest", manifest.toString(),
                "-o", out.toString(), "--threads", "2");

        assertEquals(Main.EXIT_PARTIAL_FAILURE, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("3 of 8 files"), r.out());
        assertTrue(r.err().contains("5 file(s) failed"), r.err());
        for (String bad : List.of("truncated.wav", "not-a-wav.wav", "missing.wav", "too-short.wav", "escape.wav")) {
            assertTrue(r.err().contains(bad), "failure of " + bad + " listed: " + r.err());
        }
        assertTrue(r.err().contains("truncated"), r.err());
        assertTrue(r.err().contains("too short"), r.err());

        // 0.5 s at 48 kHz resamples to 8,000 samples at 16 kHz
        assertEquals(SPEC.framesFor(8_000), NpyReader.read(out.resolve("spk2/good-48k-float.npy")).length);
        assertEquals(SPEC.framesFor(16_000), NpyReader.read(out.resolve("spk1/good-8k-mulaw.npy")).length);

        Manifest index = Manifest.read(out.resolve("features.csv"));
        assertEquals(List.of("file", "corpus", "speaker", "emotion", "sentence", "features", "frames", "seconds"),
                index.columns());
        assertEquals(3, index.rows().size());
        assertEquals("He said \"no\", twice", index.rows().get(1).get("sentence"));
        assertEquals("spk1/good-8k-mulaw.npy", index.rows().get(1).get("features"));
        assertEquals(Long.toString(SPEC.framesFor(16_000)), index.rows().get(1).get("frames"));
        Manifest failures = Manifest.read(out.resolve("failures.csv"));
        assertEquals(5, failures.rows().size());
    }

    @Test
    void unreadableManifestIsOneClearError() throws IOException {
        Path manifest = dir.resolve("m.csv");
        Files.writeString(manifest, "path,emotion\na.wav,happy\n");
        CliTestSupport.Result r = CliTestSupport.run("features", "--manifest", manifest.toString(),
                "-o", dir.resolve("out").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("no 'file' column"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void badOptionsAreRefused() {
        CliTestSupport.Result r = CliTestSupport.run("features", "--threads", "0", "x.wav", "-o", dir.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--threads"), r.err());
        CliTestSupport.Result usage = CliTestSupport.run("features");
        assertEquals(2, usage.exitCode());
        assertTrue(usage.err().contains("Missing required"), usage.err());
    }
}
