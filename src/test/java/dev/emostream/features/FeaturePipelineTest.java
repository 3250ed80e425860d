package dev.emostream.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.audio.Resampler;
import dev.emostream.testing.Allocations;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FeaturePipelineTest {
    private static final FeatureSpec SPEC = FeatureSpec.bundled();

    private static float[] tone(int rate, double seconds, long seed) {
        Random random = new Random(seed);
        float[] x = new float[(int) (rate * seconds)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.4 * Math.sin(2 * Math.PI * 440 * i / rate) + 0.02 * random.nextGaussian());
        }
        return x;
    }

    @Test
    void anyChunkingAtAnySupportedRateGivesTheOneShotFrames() {
        Random random = new Random(9);
        for (int rate : Resampler.supportedRates()) {
            float[] x = tone(rate, 1.3, rate);
            float[][] oneShot = FeaturePipeline.extractAll(SPEC, rate, x);
            long resampledLength = (long) Math.ceil(x.length * (double) SPEC.sampleRate() / rate);
            assertEquals(SPEC.framesFor(resampledLength), oneShot.length, "frames at " + rate + " Hz");
            for (int trial = 0; trial < 4; trial++) {
                FeaturePipeline pipeline = new FeaturePipeline(SPEC, rate);
                List<float[]> frames = new ArrayList<>();
                FrameSink sink = (i, f) -> frames.add(f.clone());
                int maxChunk = new int[] {1, 37, 882, 20_000}[trial];
                for (int pos = 0; pos < x.length; ) {
                    int n = Math.min(x.length - pos, random.nextInt(maxChunk + 1));
                    pipeline.accept(x, pos, n, sink);
                    pos += n;
                }
                pipeline.finish(sink);
                assertEquals(oneShot.length, frames.size(), rate + " Hz, max chunk " + maxChunk);
                for (int f = 0; f < oneShot.length; f++) {
                    assertArrayEquals(oneShot[f], frames.get(f), rate + " Hz, frame " + f);
                }
            }
        }
    }

    @Test
    void resampledToneLandsInTheSameMelBandsAsANativeOne() {
        // A 1 kHz tone at 48 kHz and at 16 kHz must give (nearly) the same features once resampled.
        float[] native16k = new float[16_000];
        float[] at48k = new float[48_000];
        for (int i = 0; i < native16k.length; i++) {
            native16k[i] = (float) (0.3 * Math.sin(2 * Math.PI * 1000 * i / 16_000.0));
        }
        for (int i = 0; i < at48k.length; i++) {
            at48k[i] = (float) (0.3 * Math.sin(2 * Math.PI * 1000 * i / 48_000.0));
        }
        FeatureSpec logMel = SPEC.withOutput("log_mel");
        float[][] a = FeaturePipeline.extractAll(logMel, 16_000, native16k);
        float[][] b = FeaturePipeline.extractAll(logMel, 48_000, at48k);
        int mid = a.length / 2;
        int loudest = 0;
        for (int m = 0; m < a[mid].length; m++) {
            if (a[mid][m] > a[mid][loudest]) {
                loudest = m;
            }
        }
        assertEquals(a[mid][loudest], b[mid][loudest], 1e-3, "energy of the band holding the tone");
    }

    /** Every frame the pipeline gives for {@code x}, fed in chunks of {@code chunk} samples. */
    private static List<float[]> stream(FeaturePipeline pipeline, float[] x, int chunk) {
        List<float[]> frames = new ArrayList<>();
        for (int pos = 0; pos < x.length; pos += chunk) {
            pipeline.accept(x, pos, Math.min(chunk, x.length - pos), (i, f) -> frames.add(f.clone()));
        }
        pipeline.finish((i, f) -> frames.add(f.clone()));
        return frames;
    }

    private static void assertSameFrames(List<float[]> expected, List<float[]> actual, String what) {
        assertEquals(expected.size(), actual.size(), what + ": frame count");
        for (int f = 0; f < expected.size(); f++) {
            assertArrayEquals(expected.get(f), actual.get(f), what + ": frame " + f);
        }
    }

    @Test
    void nonFiniteInputIsRejectedBeforeResampling() {
        float[] clean = tone(44_100, 0.5, 3);
        float[] bad = clean.clone();
        int chunk = 4410;
        bad[3 * chunk + 4000] = Float.NaN; // late in the chunk, after several resampler blocks' worth
        FeaturePipeline pipeline = new FeaturePipeline(SPEC, 44_100);
        List<float[]> frames = new ArrayList<>();
        FrameSink sink = (i, f) -> frames.add(f.clone());
        for (int pos = 0; pos < 3 * chunk; pos += chunk) {
            pipeline.accept(clean, pos, chunk, sink);
        }
        FeatureInputException e = assertThrows(FeatureInputException.class,
                () -> pipeline.accept(bad, 3 * chunk, chunk, sink));
        assertTrue(e.getMessage().contains("sample " + (3 * chunk + 4000) + " of the stream"), e.getMessage());
        assertEquals(3 * chunk, pipeline.samplesAccepted());
        // The rejected chunk left no trace: going on with clean audio gives a fresh pipeline's frames.
        for (int pos = 3 * chunk; pos < clean.length; pos += chunk) {
            pipeline.accept(clean, pos, Math.min(chunk, clean.length - pos), sink);
        }
        pipeline.finish(sink);
        assertTrue(frames.size() > 40);
        assertSameFrames(stream(new FeaturePipeline(SPEC, 44_100), clean, chunk), frames, "after a rejected chunk");
    }

    @Test
    void aHugeChunkIsTakenInBlocks() {
        // 70 s in one call goes through the stages in fixed blocks, with the frames of 20 ms chunks.
        float[] x = tone(8000, 70, 11); // 560,000 samples -> 1,120,000 at 16 kHz
        List<float[]> whole = stream(new FeaturePipeline(SPEC, 8000), x, x.length);
        assertSameFrames(stream(new FeaturePipeline(SPEC, 8000), x, 160), whole, "one call vs 20 ms chunks");
    }

    @ParameterizedTest
    @ValueSource(ints = {8000, 11025, 16000, 22050, 32000, 44100, 48000})
    void restoredSnapshotContinuesTheStreamBitForBit(int rate) {
        float[] x = tone(rate, 1.2, rate + 1);
        List<float[]> uninterrupted = stream(new FeaturePipeline(SPEC, rate), x, 999);
        int half = x.length / 2 + 13;
        FeaturePipeline first = new FeaturePipeline(SPEC, rate);
        List<float[]> frames = new ArrayList<>();
        for (int pos = 0; pos < half; pos += 999) {
            first.accept(x, pos, Math.min(999, half - pos), (i, f) -> frames.add(f.clone()));
        }
        FeaturePipeline.Snapshot snapshot = first.snapshot();

        FeaturePipeline resumed = new FeaturePipeline(SPEC, rate);
        resumed.accept(tone(rate, 0.1, 99), 0, rate / 10, (i, f) -> { }); // state to be replaced
        resumed.restore(snapshot);
        assertEquals(half, resumed.samplesAccepted());
        resumed.accept(x, half, x.length - half, (i, f) -> {
            assertEquals(frames.size(), i, "frame indices go on");
            frames.add(f.clone());
        });
        resumed.finish((i, f) -> frames.add(f.clone()));
        assertSameFrames(uninterrupted, frames, rate + " Hz");
    }

    @Test
    void snapshotOfAnotherRateOrSpecIsRefused() {
        FeaturePipeline.Snapshot at44k = new FeaturePipeline(SPEC, 44_100).snapshot();
        FeaturePipeline at48k = new FeaturePipeline(SPEC, 48_000);
        IllegalArgumentException rate = assertThrows(IllegalArgumentException.class, () -> at48k.restore(at44k));
        assertTrue(rate.getMessage().contains("44100 Hz stream") && rate.getMessage().contains("48000 Hz pipeline"),
                rate.getMessage());

        FeaturePipeline mfcc = new FeaturePipeline(SPEC.withOutput("mfcc"), 44_100);
        IllegalArgumentException spec = assertThrows(IllegalArgumentException.class, () -> mfcc.restore(at44k));
        assertTrue(spec.getMessage().contains("another feature spec"), spec.getMessage());

        // A snapshot whose parts disagree cannot even be built.
        assertThrows(IllegalArgumentException.class, () -> new FeaturePipeline.Snapshot(44_100, SPEC, 0,
                null, at44k.extractor()));
        assertThrows(IllegalArgumentException.class, () -> new FeaturePipeline.Snapshot(44_100, SPEC, 5,
                at44k.resampler(), at44k.extractor()));
    }

    @Test
    void steadyStateAt44kHzIn20msChunksAllocatesNothing() {
        FeaturePipeline pipeline = new FeaturePipeline(SPEC, 44_100);
        float[] x = tone(44_100, 1, 5);
        long[] values = {0};
        FrameSink sink = (i, f) -> values[0] += f.length;
        int chunk = 882; // 20 ms at 44.1 kHz
        long allocated = Allocations.steadyStateBytes(() -> {
            for (int pos = 0; pos + chunk <= x.length; pos += chunk) {
                pipeline.accept(x, pos, chunk, sink);
            }
        }, 20, 10);
        // 10 s = 500 chunks and 1,000 frames; one small object per chunk would be >= 8 kB.
        assertTrue(allocated < 4_096, "allocated " + allocated + " bytes for 10 s of audio");
        assertTrue(values[0] > 0);
    }

    @Test
    void unsupportedRateIsRefused() {
        assertThrows(dev.emostream.audio.AudioFormatException.class, () -> new FeaturePipeline(SPEC, 12_345));
    }
}
