package dev.emostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path dir;

    @Test
    void helpListsEveryCommand() {
        CliTestSupport.Result r = CliTestSupport.run("--help");
        assertEquals(0, r.exitCode());
        for (String command : new String[] {"demo", "features", "classify", "eval", "help"}) {
            assertTrue(r.out().contains(command), r.out());
        }
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : new String[] {"demo", "features", "classify", "eval"}) {
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
    void demoRefusesOutOfRangeValuesAsUsageErrors() {
        for (String[] args : new String[][] {{"--seconds", "0.5"}, {"--chunk-ms", "0"}}) {
            CliTestSupport.Result r = CliTestSupport.run("demo", args[0], args[1], "-o", dir.toString());
            assertEquals(2, r.exitCode(), args[0]);
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("emostream demo: " + args[0] + " must be in"), r.err());
        }
    }

    @Test
    void fileSystemErrorsNameTheReasonAndThePath() {
        assertEquals("no such file: /a", Main.describe(new NoSuchFileException("/a")));
        assertEquals("permission denied: /a", Main.describe(new AccessDeniedException("/a")));
        assertEquals("not a directory: /a", Main.describe(new NotDirectoryException("/a")));
        assertEquals("not a directory: /a", Main.describe(new FileSystemException("/a", null, "Not a directory")));
        assertEquals("is a directory: /a", Main.describe(new FileSystemException("/a", null, "Is a directory")));
        assertEquals("already exists: /a", Main.describe(new FileAlreadyExistsException("/a")));
        assertEquals("FS error (Read-only file system): /a",
                Main.describe(new FileSystemException("/a", null, "Read-only file system")));
        assertEquals("no such file: /a -> /b", Main.describe(new NoSuchFileException("/a", "/b", null)));
        assertEquals("no such file: /a", Main.describe(new UncheckedIOException(new NoSuchFileException("/a"))));
        assertEquals("I/O error: disk on fire", Main.describe(new IOException("disk on fire")));
        assertEquals("IllegalStateException", Main.describe(new IllegalStateException()));
    }

    @Test
    void demoStreamsItsGeneratedSignalAndMatchesOneShot() throws Exception {
        CliTestSupport.Result r = CliTestSupport.run("demo", "-o", dir.toString(), "--seconds", "2");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        Matcher difference = Pattern.compile("max \\|difference\\| (\\S+)\\R").matcher(r.out());
        assertTrue(difference.find(), r.out());
        assertEquals(0.0, Double.parseDouble(difference.group(1)), r.out());
        float[][] frames = NpyReader.read(dir.resolve("demo-44k1-stereo.npy"));
        // 2 s resampled to 16 kHz = 32,000 samples
        assertEquals(dev.emostream.features.FeatureSpec.bundled().framesFor(32_000), frames.length);
        assertTrue(Files.size(dir.resolve("demo-44k1-stereo.wav")) > 2 * 44_100 * 4);
    }
}
