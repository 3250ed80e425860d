package dev.emostream.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.emostream.audio.Resampler;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

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

    @Test
    void nonFiniteInputIsRejectedBeforeResampling() {
        FeaturePipeline pipeline = new FeaturePipeline(SPEC, 44_100);
        float[] x = new float[441];
        x[10] = Float.NaN;
        assertThrows(FeatureInputException.class, () -> pipeline.accept(x, 0, x.length, (i, f) -> { }));
        x[10] = 0;
        pipeline.accept(x, 0, x.length, (i, f) -> { });
        assertEquals(0, pipeline.extractor().framesEmitted());
    }

    @Test
    void unsupportedRateIsRefused() {
        assertThrows(dev.emostream.audio.AudioFormatException.class, () -> new FeaturePipeline(SPEC, 12_345));
    }
}
