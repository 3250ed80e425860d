package dev.emostream.bench;

import dev.emostream.audio.Resampler;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Resampling speed as it is used live: 20 ms chunks to 16 kHz. One operation is one second of
 * input audio, so the score in ops/s reads directly as "times real time" on one core.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ResamplerBenchmark {
    private static final int CHUNKS_PER_SECOND = 50;

    @Param({"48000", "44100", "32000", "8000"})
    int inputRate;

    private Resampler resampler;
    private float[] oneSecond;
    private float[] out;
    private int chunk;

    @Setup
    public void setUp() {
        resampler = new Resampler(inputRate, 16000);
        chunk = inputRate / CHUNKS_PER_SECOND;
        Random random = new Random(42);
        oneSecond = new float[chunk * CHUNKS_PER_SECOND];
        for (int i = 0; i < oneSecond.length; i++) {
            oneSecond[i] = (float) (0.2 * random.nextGaussian());
        }
        out = new float[resampler.maxOutput(chunk)];
    }

    /** Returns the last sample so the work cannot be optimised away. */
    @Benchmark
    public float oneSecondIn20MsChunks() {
        float last = 0;
        for (int c = 0; c < CHUNKS_PER_SECOND; c++) {
            int n = resampler.process(oneSecond, c * chunk, chunk, out, 0);
            last += out[n - 1];
        }
        return last;
    }
}
