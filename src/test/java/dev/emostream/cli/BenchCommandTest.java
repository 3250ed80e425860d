package dev.emostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench command end to end, small: what it counts must add up (its speed is BENCHMARKS.md's business). */
class BenchCommandTest {
    @Test
    void everyFrameSentIsProcessedAndEveryStreamEnds(@TempDir Path dir) {
        CliTestSupport.Result r = CliTestSupport.run("bench", "--streams", "3", "--seconds", "2", "--warmup-s", "0",
                "--jit-warmup-s", "0", "-s", "state.dir=" + dir, "-s", "model.provider=cpu", "-s", "vad.enabled=false");
        assertTrue(r.exitCode() == 0 || r.exitCode() == Main.EXIT_PARTIAL_FAILURE, r.err());
        Matcher m = Pattern.compile("streams=3 seconds=2.0 frames=(\\d+) .* events=(\\d+) .* finals=3/3 .* "
                + "max_send_lag_ms=\\d+ p50_drift_ms=[+-]\\d+ frames_processed=(\\d+) dead_letters=0 state_puts/s=(\\d+) state_bytes_mean=(\\d+) state_mb/s=[\\d.]+ "
                + "model_calls/s=(\\d+) model_batch_mean=([\\d.]+) model_cores=([\\d.]+) "
                + "vad_windows_per_call=0.0 vad_quiet_windows=0.0% vad_cores=0.000 real_time=(yes|no)").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertEquals(300, Integer.parseInt(m.group(1)), "3 streams x 2 s of 20 ms frames");
        assertEquals(m.group(1), m.group(3), "frames sent = frames processed");
        // Events at 0.5, 1.0 and 1.5 s and a final one per stream (2.0 s needs audio past the end).
        assertEquals(12, Integer.parseInt(m.group(2)));
        // Every frame writes its stream's state (and inference rounds again): at least 150 frames/s here.
        assertTrue(Integer.parseInt(m.group(4)) >= 100, r.out());
        // A state holds at least the LSTM's h and c (2 x 192 floats).
        assertTrue(Integer.parseInt(m.group(5)) > 2 * 192 * 4, r.out());
        // Without the VAD every frame reaches the model: 3 streams x 25 steps/s, in calls of 1-3 streams.
        assertTrue(Integer.parseInt(m.group(6)) > 0, r.out());
        double batch = Double.parseDouble(m.group(7));
        assertTrue(batch >= 1 && batch <= 3, r.out());
        assertTrue(Double.parseDouble(m.group(8)) > 0, "time was spent in the model: " + r.out());
    }

    @Test
    void telephoneSpeakersSendEightKilohertzMuLawThatTheVadHearsAtEightKilohertz(@TempDir Path dir) {
        CliTestSupport.Result r = CliTestSupport.run("bench", "--streams", "2", "--seconds", "2", "--warmup-s", "0",
                "--jit-warmup-s", "0", "--frame-ms", "100", "--telephony", "mulaw", "-s", "state.dir=" + dir,
                "-s", "model.provider=cpu");
        assertTrue(r.exitCode() == 0 || r.exitCode() == Main.EXIT_PARTIAL_FAILURE, r.err());
        Matcher m = Pattern.compile("streams=2 seconds=2.0 frames=(\\d+) .* finals=2/2 .* frames_processed=(\\d+) dead_letters=0 "
                + ".* vad_windows_per_call=([\\d.]+) vad_quiet_windows=[\\d.]+% vad_cores=([\\d.]+) ").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertEquals(40, Integer.parseInt(m.group(1)), "2 streams x 2 s of 100 ms frames");
        assertEquals(m.group(1), m.group(2), "every mu-law frame was accepted (none dead-lettered)");
        assertTrue(Double.parseDouble(m.group(3)) > 0, "the VAD ran");
        assertTrue(Double.parseDouble(m.group(4)) > 0, "time was spent in the VAD: " + r.out());
    }

    @Test
    void badSizesAreUsageErrors() {
        assertEquals(2, CliTestSupport.run("bench", "--streams", "0").exitCode());
        assertEquals(2, CliTestSupport.run("bench", "--seconds", "5", "--warmup-s", "5").exitCode());
        assertEquals(2, CliTestSupport.run("bench", "--ws", "1", "--telephony", "mulaw").exitCode());
    }
}
