package dev.emostream.bench;

import dev.emostream.vad.SileroVad;
import java.util.Random;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Voice-activity cost (Silero VAD v5, CPU, one ORT thread). One operation runs one 32 ms window for
 * each of {@code batch} streams in one call, with their state; time per operation / batch x 31.25
 * windows is the cost per stream-second of audio.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class VadBenchmark {
    @Param({"1", "16", "256"})
    public int batch;

    /** 16000: the 16 kHz model; 8000: its 8 kHz branch on telephone audio (half the samples per window). */
    @Param({"16000", "8000"})
    public int rate;

    private SileroVad vad;
    private float[] input;
    private float[] state;
    private float[] probs;

    @Setup(Level.Trial)
    public void load() {
        vad = SileroVad.loadBundled(1);
        input = new float[batch * (SileroVad.context(rate) + SileroVad.window(rate))];
        Random r = new Random(3);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) (0.1 * Math.sin(i * 0.05) + 0.02 * r.nextGaussian());
        }
        state = new float[batch * SileroVad.STATE_SIZE];
        probs = new float[batch];
    }

    @TearDown(Level.Trial)
    public void close() {
        vad.close();
    }

    @Benchmark
    public float window() {
        vad.run(rate, input, state, batch, probs);
        return probs[0];
    }
}
