package dev.emostream.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.testing.Allocations;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StreamingFeatureExtractorTest {
    private static final FeatureSpec SPEC = FeatureSpec.bundled();

    private static float[] signal(long seed, int samples) {
        Random random = new Random(seed);
        float[] x = new float[samples];
        double phase = 0;
        for (int i = 0; i < samples; i++) {
            // a gliding tone plus noise: every band carries energy that changes over time
            phase += 2 * Math.PI * (200 + 3000.0 * i / samples) / SPEC.sampleRate();
            x[i] = (float) (0.3 * Math.sin(phase) + 0.05 * random.nextGaussian());
        }
        return x;
    }

    private static List<float[]> extractInChunks(float[] x, Random random, int maxChunk) {
        StreamingFeatureExtractor extractor = new StreamingFeatureExtractor(SPEC);
        List<float[]> frames = new ArrayList<>();
        int pos = 0;
        while (pos < x.length) {
            // mostly small chunks, sometimes empty ones, sometimes seconds at once
            int n = random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(Math.min(maxChunk, x.length - pos));
            long expectedIndex = frames.size();
            int[] seen = {0};
            extractor.accept(x, pos, n, (index, f) -> {
                assertEquals(expectedIndex + seen[0]++, index, "frame indices are consecutive");
                frames.add(f.clone());
            });
            pos += n;
        }
        assertEquals(x.length, extractor.samplesAccepted());
        return frames;
    }

    @Test
    void anyChunkingGivesTheOneShotFrames() {
        float[] x = signal(1, 3 * SPEC.sampleRate() + 123);
        float[][] oneShot = StreamingFeatureExtractor.extractAll(SPEC, x);
        assertEquals(SPEC.framesFor(x.length), oneShot.length);
        Random random = new Random(42);
        int[] maxChunks = {1, 7, 160, 401, 2_000, 48_000};
        for (int trial = 0; trial < 30; trial++) {
            int maxChunk = maxChunks[trial % maxChunks.length];
            List<float[]> chunked = extractInChunks(x, random, maxChunk);
            assertEquals(oneShot.length, chunked.size(), "frame count, max chunk " + maxChunk);
            for (int f = 0; f < oneShot.length; f++) {
                // The carried remainder makes every frame see the same samples: bitwise equal,
                // well inside the 1e-6 the contract promises.
                assertArrayEquals(oneShot[f], chunked.get(f), 1e-6f, "frame " + f + ", max chunk " + maxChunk);
            }
        }
    }

    @Test
    void shortInputGivesNoFrameUntilAWindowIsFull() {
        StreamingFeatureExtractor extractor = new StreamingFeatureExtractor(SPEC);
        float[] x = signal(2, SPEC.winLength());
        int[] frames = {0};
        extractor.accept(x, 0, SPEC.winLength() - 1, (i, f) -> frames[0]++);
        assertEquals(0, frames[0]);
        extractor.accept(x, SPEC.winLength() - 1, 1, (i, f) -> frames[0]++);
        assertEquals(1, frames[0]);
        assertEquals(SPEC.winLength() - SPEC.hopLength(), extractor.snapshot().pending().length);
    }

    @Test
    void snapshotAndRestoreResumeExactly() {
        float[] x = signal(3, 2 * SPEC.sampleRate());
        float[][] oneShot = StreamingFeatureExtractor.extractAll(SPEC, x);
        List<float[]> frames = new ArrayList<>();
        StreamingFeatureExtractor first = new StreamingFeatureExtractor(SPEC);
        int split = 12_345;
        first.accept(x, 0, split, (i, f) -> frames.add(f.clone()));
        StreamingFeatureExtractor.Snapshot snapshot = first.snapshot();

        StreamingFeatureExtractor resumed = new StreamingFeatureExtractor(SPEC);
        resumed.restore(snapshot);
        resumed.accept(x, split, x.length - split, (i, f) -> {
            assertEquals(frames.size(), i);
            frames.add(f.clone());
        });
        assertEquals(oneShot.length, frames.size());
        for (int f = 0; f < oneShot.length; f++) {
            assertArrayEquals(oneShot[f], frames.get(f), "frame " + f);
        }
    }

    @Test
    void nonFiniteSamplesAreRejectedWithoutTouchingState() {
        StreamingFeatureExtractor extractor = new StreamingFeatureExtractor(SPEC);
        float[] x = signal(4, 1000);
        extractor.accept(x, 0, 500, (i, f) -> { });
        StreamingFeatureExtractor.Snapshot before = extractor.snapshot();
        float[] bad = x.clone();
        bad[700] = Float.NaN;
        FeatureInputException e = assertThrows(FeatureInputException.class,
                () -> extractor.accept(bad, 500, 500, (i, f) -> { }));
        assertTrue(e.getMessage().contains("sample 700"), e.getMessage());
        bad[700] = Float.POSITIVE_INFINITY;
        assertThrows(FeatureInputException.class, () -> extractor.accept(bad, 500, 500, (i, f) -> { }));
        assertEquals(before.samplesAccepted(), extractor.samplesAccepted());
        assertArrayEquals(before.pending(), extractor.snapshot().pending());
    }

    @Test
    void chunksAboveTheConfiguredCapAreRejected() {
        StreamingFeatureExtractor extractor = new StreamingFeatureExtractor(SPEC, 320);
        float[] x = new float[321];
        FeatureInputException e = assertThrows(FeatureInputException.class,
                () -> extractor.accept(x, 0, 321, (i, f) -> { }));
        assertTrue(e.getMessage().contains("321") && e.getMessage().contains("320"), e.getMessage());
        extractor.accept(x, 0, 320, (i, f) -> { });
        assertEquals(320, extractor.samplesAccepted());
    }

    @Test
    void badOffsetsAreRejected() {
        StreamingFeatureExtractor extractor = new StreamingFeatureExtractor(SPEC);
        float[] x = new float[10];
        assertThrows(IndexOutOfBoundsException.class, () -> extractor.accept(x, 5, 6, (i, f) -> { }));
        assertThrows(IndexOutOfBoundsException.class, () -> extractor.accept(x, -1, 2, (i, f) -> { }));
    }

    @Test
    void silenceSitsAtTheLogFloor() {
        FeatureSpec logMel = SPEC.withOutput("log_mel");
        float[][] frames = StreamingFeatureExtractor.extractAll(logMel, new float[SPEC.sampleRate()]);
        float floor = (float) Math.log(SPEC.logFloor());
        for (float[] frame : frames) {
            for (float v : frame) {
                assertEquals(floor, v, 1e-5f);
            }
        }
    }

    @Test
    void steadyStateAllocatesNothingPerFrame() {
        assertSteadyStateAllocatesNothing(SPEC);
    }

    @Test
    void logMelWithAnyNumberOfMelBandsAllocatesNothingPerFrame() {
        // 40 bands: a DCT of that size would allocate per frame, and log_mel must not run one.
        FeatureSpec spec = new FeatureSpec(1, 16000, 400, 160, 512, "hann_periodic", 2.0, 40, 20.0, 7600.0,
                "slaney", "slaney", 1e-10, 13, "ortho", "log_mel", null);
        assertSteadyStateAllocatesNothing(spec);
    }

    private static void assertSteadyStateAllocatesNothing(FeatureSpec spec) {
        StreamingFeatureExtractor extractor = new StreamingFeatureExtractor(spec);
        float[] x = signal(5, SPEC.sampleRate());
        long[] frames = {0};
        FrameSink sink = (i, f) -> frames[0] += f.length;
        int chunk = 320; // 20 ms, what a voice app sends
        long allocated = Allocations.steadyStateBytes(() -> {
            for (int pos = 0; pos + chunk <= x.length; pos += chunk) {
                extractor.accept(x, pos, chunk, sink);
            }
        }, 20, 10);
        // 10 s of audio = 1,000 frames; a single boxed value or array per frame would be >= 16 kB.
        assertTrue(allocated < 4_096, "allocated " + allocated + " bytes for 1,000 frames");
        assertTrue(frames[0] > 0);
    }

    @Test
    void streamsOnManyThreadsSharingTheSpecsKernelsGiveTheirOwnFramesExactly() throws Exception {
        streamsOnManyThreadsGiveTheirOwnFrames(FeatureSpec.bundled());
        // the periodicity bands run the shared FFT's inverse too
        streamsOnManyThreadsGiveTheirOwnFrames(FeatureSpec.bundled().withPeriodicity(new FeatureSpec.Periodicity(24, 80.0, 500.0)));
    }

    private static void streamsOnManyThreadsGiveTheirOwnFrames(FeatureSpec spec) throws Exception {
        Random random = new Random(5);
        int count = 8;
        float[][] signals = new float[count][];
        float[][][] expected = new float[count][][];
        for (int s = 0; s < count; s++) {
            signals[s] = new float[16_000];
            for (int i = 0; i < signals[s].length; i++) {
                signals[s][i] = (float) (0.3 * Math.sin(i * (0.01 + 0.003 * s)) + 0.05 * random.nextGaussian());
            }
            expected[s] = FeaturePipeline.extractAll(spec, 16_000, signals[s]);
        }
        // The window, FFT tables and mel filters are shared by all extractors of a spec.
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<float[][]>> results = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
                for (int s = 0; s < count; s++) {
                    float[] signal = signals[s];
                    results.add(pool.submit(() -> FeaturePipeline.extractAll(spec, 16_000, signal)));
                }
            }
            for (int r = 0; r < results.size(); r++) {
                float[][] got = results.get(r).get();
                assertEquals(expected[r % count].length, got.length);
                for (int f = 0; f < got.length; f++) {
                    assertArrayEquals(expected[r % count][f], got[f], "signal " + (r % count) + " frame " + f);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
