package dev.emostream.stream;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one write of a stream's state costs (the service serialises it after every frame and every
 * inference round that steps it). The session is StreamSessionTest's 16 kHz fixture (the VAD on,
 * 1.3 s into speech, stepped after every 20 ms frame, 13 ms not yet stepped), then {@code waitingMs}
 * more audio taken without an inference round (what waits in the state while the round is behind).
 * The setup prints the size.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class StreamStateWriteBenchmark {
    @Param({"0", "100", "400"})
    public int waitingMs;

    private StreamSession session;

    @Setup(Level.Trial)
    public void build() {
        session = StreamSessionTest.fixtureSession(16_000);
        if (waitingMs > 0) {
            float[] waiting = TestFrames.voice(16_000, waitingMs / 1000.0, 9);
            session.accept(waiting, waiting.length);
        }
        System.out.println("state bytes with " + waitingMs + " ms more waiting: " + session.toBytes().length);
    }

    @Benchmark
    public byte[] toBytes() {
        return session.toBytes();
    }
}
