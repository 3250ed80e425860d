package dev.emostream.bench;

import dev.emostream.features.FeatureSpec;
import dev.emostream.features.FrameSink;
import dev.emostream.features.StreamingFeatureExtractor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Streaming MFCC throughput. One operation is one second of 16 kHz audio fed in chunks of
 * {@code chunkMs}, so ops/s reads directly as "x real time" on one core, and JMH's
 * {@code -prof gc} figure gc.alloc.rate.norm as bytes allocated per second of audio.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FeatureExtractorBenchmark {
    @Param({"20"})
    public int chunkMs;

    @Param({"mfcc", "log_mel"})
    public String output;

    /** Voice-periodicity bands after the spectral values (0: none, the shipped spec). */
    @Param({"0"})
    public int periodicityBands;

    private StreamingFeatureExtractor extractor;
    private float[] oneSecond;
    private int chunk;
    private FrameSink sink;
    private Blackhole blackhole;

    @Setup
    public void setUp(Blackhole bh) throws IOException {
        FeatureSpec spec = FeatureSpec.bundled().withOutput(output);
        if (periodicityBands > 0) {
            spec = spec.withPeriodicity(new FeatureSpec.Periodicity(periodicityBands, 80.0, 500.0));
        }
        extractor = new StreamingFeatureExtractor(spec);
        // The espeak-ng speech the reference test and bench/torchaudio_mfcc.py use: same audio.
        float[] speech = readFloats("/features/speech.f32");
        oneSecond = Arrays.copyOf(speech, spec.sampleRate());
        chunk = spec.sampleRate() * chunkMs / 1000;
        blackhole = bh;
        sink = (index, features) -> blackhole.consume(features[0]);
    }

    private static float[] readFloats(String resource) throws IOException {
        try (InputStream in = FeatureExtractorBenchmark.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing " + resource + " (run from the test classpath)");
            }
            FloatBuffer floats = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            float[] out = new float[floats.remaining()];
            floats.get(out);
            return out;
        }
    }

    @Benchmark
    public long oneSecondOfAudio() {
        for (int pos = 0; pos < oneSecond.length; pos += chunk) {
            extractor.accept(oneSecond, pos, Math.min(chunk, oneSecond.length - pos), sink);
        }
        return extractor.framesEmitted();
    }
}
