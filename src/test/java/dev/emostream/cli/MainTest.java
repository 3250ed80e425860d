package dev.emostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path dir;

    @Test
    void helpListsEveryCommand() {
        CliTestSupport.Result r = CliTestSupport.run("--help");
        assertEquals(0, r.exitCode());
        for (String command : new String[] {"demo", "features", "help"}) {
            assertTrue(r.out().contains(command), r.out());
        }
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : new String[] {"demo", "features"}) {
            CliTestSupport.Result r = CliTestSupport.run(command, "--help");
            assertEquals(0, r.exitCode(), command);
            assertTrue(r.out().contains("Usage: emostream " + command), r.out());
        }
    }

    @Test
    void unknownCommandIsAUsageError() {
        CliTestSupport.Result r = CliTestSupport.run("frobnicate");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("frobnicate"), r.err());
    }

    @Test
    void demoStreamsItsGeneratedSignalAndMatchesOneShot() throws Exception {
        CliTestSupport.Result r = CliTestSupport.run("demo", "-o", dir.toString(), "--seconds", "2");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("max |difference| 0"), r.out());
        float[][] frames = NpyReader.read(dir.resolve("demo-44k1-stereo.npy"));
        // 2 s resampled to 16 kHz = 32,000 samples
        assertEquals(dev.emostream.features.FeatureSpec.bundled().framesFor(32_000), frames.length);
        assertTrue(Files.size(dir.resolve("demo-44k1-stereo.wav")) > 2 * 44_100 * 4);
    }
}
