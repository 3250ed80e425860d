package dev.emostream.bench;

import dev.emostream.model.BatchInference;
import dev.emostream.model.EmotionModel;
import dev.emostream.model.ExecutionProvider;
import dev.emostream.model.ModelDescriptor;
import dev.emostream.model.StreamState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
 * Model inference cost with the shipped model on CPU (one ORT thread). One operation steps
 * {@code batch} streams through one second of audio (25 steps of 40 ms), in ONNX calls of
 * {@code stepsPerCall} steps for all streams at once; time per operation divided by the batch is
 * the cost per stream-second. Run from the repository root (it reads models/emotion-crnn.json).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class InferenceBenchmark {
    @Param({"1", "16", "256"})
    public int batch;

    @Param({"1", "25"})
    public int stepsPerCall;

    private EmotionModel model;
    private BatchInference inference;
    private List<StreamState> streams;
    private float[][] frames;

    @Setup(Level.Trial)
    public void load() {
        model = EmotionModel.load(Path.of("models/emotion-crnn.json"), ExecutionProvider.CPU, 1);
        ModelDescriptor d = model.descriptor();
        inference = new BatchInference(model, batch, stepsPerCall);
        streams = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            streams.add(new StreamState(d, 1000));
        }
        Random random = new Random(3);
        int nFeat = d.featureSpec().featureCount();
        frames = new float[100][nFeat];
        for (float[] f : frames) {
            for (int k = 0; k < nFeat; k++) {
                f[k] = (float) (random.nextGaussian() * 3 - 10);
            }
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        model.close();
    }

    @Benchmark
    public int oneSecondForEveryStream() {
        int calls = 0;
        for (int chunk = 0; chunk < 100; chunk += stepsPerCall * 4) {
            int n = Math.min(stepsPerCall * 4, 100 - chunk);
            for (StreamState s : streams) {
                for (int f = 0; f < n; f++) {
                    s.accept(chunk + f, frames[chunk + f]);
                }
            }
            calls += inference.runReady(streams, (s, step, p) -> { });
        }
        return calls;
    }
}
