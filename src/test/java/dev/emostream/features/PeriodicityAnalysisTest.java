package dev.emostream.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.testing.Allocations;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PeriodicityAnalysisTest {
    private static final FeatureSpec.Periodicity BANDS = new FeatureSpec.Periodicity(24, 80.0, 500.0);
    private static final FeatureSpec SPEC = FeatureSpec.bundled().withPeriodicity(BANDS);
    private static final int MELS = SPEC.spectralFeatureCount();

    /** A voice-like source: harmonics of f0 with falling amplitude, plus a little noise. */
    private static float[] voiced(double f0, int samples, long seed) {
        Random random = new Random(seed);
        float[] x = new float[samples];
        for (int i = 0; i < samples; i++) {
            double v = 0;
            for (int h = 1; h * f0 < 4000; h++) {
                v += Math.sin(2 * Math.PI * h * f0 * i / 16_000.0 + h) / h;
            }
            x[i] = (float) (0.2 * v + 0.002 * random.nextGaussian());
        }
        return x;
    }

    /** The band that holds frequency f, as the analysis lays them out (lowest frequency first). */
    private static int bandOf(double f) {
        return (int) Math.floor(BANDS.bands() * Math.log(f / BANDS.fMin()) / Math.log(BANDS.fMax() / BANDS.fMin()));
    }

    private static float[] periodicityOf(float[] frame) {
        return Arrays.copyOfRange(frame, MELS, frame.length);
    }

    @Test
    void featureCountAddsTheBandsAfterTheMelValues() {
        assertEquals(64, MELS);
        assertEquals(64 + 24, SPEC.featureCount());
        assertEquals(SPEC.featureCount(), StreamingFeatureExtractor.extractAll(SPEC, voiced(150, 1600, 1))[0].length);
    }

    @Test
    void aVoicedFramePeaksInTheBandOfItsPitch() {
        // 100 Hz sits at lag 160, where the 512-point autocorrelation wraps; 150 and 220 Hz do not.
        for (double f0 : new double[] {100, 150, 220, 310}) {
            float[][] frames = StreamingFeatureExtractor.extractAll(SPEC, voiced(f0, 8000, 2));
            for (int f = 0; f < frames.length; f++) {
                float[] bands = periodicityOf(frames[f]);
                int expected = bandOf(f0);
                assertTrue(bands[expected] > 0.9f, f0 + " Hz frame " + f + ": " + Arrays.toString(bands));
                // below the pitch (longer lags than one period, short of two) the signal does not repeat
                int octaveBelow = bandOf(f0 / 1.5);
                if (octaveBelow >= 0) {
                    assertTrue(bands[octaveBelow] < 0.5f, f0 + " Hz frame " + f + ": " + Arrays.toString(bands));
                }
            }
        }
    }

    @Test
    void noiseAndSilenceScoreLow() {
        Random random = new Random(3);
        float[] noise = new float[8000];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) (0.1 * random.nextGaussian());
        }
        for (float[] frame : StreamingFeatureExtractor.extractAll(SPEC, noise)) {
            for (float v : periodicityOf(frame)) {
                assertTrue(v < 0.4f, "white noise band " + v);
            }
        }
        for (float[] frame : StreamingFeatureExtractor.extractAll(SPEC, new float[4000])) {
            assertArrayEquals(new float[BANDS.bands()], periodicityOf(frame), "digital silence");
        }
    }

    @Test
    void aDcOffsetRaisesNoBand() {
        // A constant correlates with itself at every lag: without removing the frame's mean, an
        // offset of 0.1 lifts white noise's bands to 0.5-0.7.
        Random random = new Random(7);
        float[] noise = new float[8000];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) (0.1 + 0.1 * random.nextGaussian());
        }
        for (float[] frame : StreamingFeatureExtractor.extractAll(SPEC, noise)) {
            for (float v : periodicityOf(frame)) {
                assertTrue(v < 0.4f, "white noise on a DC offset, band " + v);
            }
        }
        float[] voiced = voiced(150, 8000, 8);
        for (int i = 0; i < voiced.length; i++) {
            voiced[i] += 0.3f;
        }
        for (float[] frame : StreamingFeatureExtractor.extractAll(SPEC, voiced)) {
            assertTrue(periodicityOf(frame)[bandOf(150)] > 0.9f, Arrays.toString(periodicityOf(frame)));
        }
    }

    @Test
    void anyChunkingGivesTheOneShotFrames() {
        float[] x = voiced(130, 16_000, 4);
        float[][] oneShot = StreamingFeatureExtractor.extractAll(SPEC, x);
        Random random = new Random(5);
        for (int trial = 0; trial < 10; trial++) {
            StreamingFeatureExtractor extractor = new StreamingFeatureExtractor(SPEC);
            float[][] chunked = new float[oneShot.length][];
            for (int pos = 0; pos < x.length; ) {
                int n = Math.min(x.length - pos, random.nextInt(700));
                extractor.accept(x, pos, n, (i, f) -> chunked[(int) i] = f.clone());
                pos += n;
            }
            for (int f = 0; f < oneShot.length; f++) {
                assertArrayEquals(oneShot[f], chunked[f], "frame " + f);
            }
        }
    }

    @Test
    void steadyStateAllocatesNothingPerFrame() {
        StreamingFeatureExtractor extractor = new StreamingFeatureExtractor(SPEC);
        float[] x = voiced(180, 16_000, 6);
        FrameSink sink = (i, f) -> { };
        long allocated = Allocations.steadyStateBytes(() -> {
            for (int pos = 0; pos + 320 <= x.length; pos += 320) {
                extractor.accept(x, pos, 320, sink);
            }
        }, 20, 10);
        assertTrue(allocated < 4_096, "allocated " + allocated + " bytes for 1,000 frames");
    }

    @Test
    void theSpecRoundTripsAndOmitsAbsentPeriodicity() {
        String json = SPEC.toJson();
        assertTrue(json.contains("\"periodicity\""), json);
        assertEquals(SPEC, FeatureSpec.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "test"));
        assertFalse(FeatureSpec.bundled().toJson().contains("periodicity"), "the shipped spec's JSON is unchanged");
    }

    @Test
    void refusesRangesTheWindowCannotMeasure() {
        FeatureSpec base = FeatureSpec.bundled();
        FeatureSpecException low = assertThrows(FeatureSpecException.class,
                () -> base.withPeriodicity(new FeatureSpec.Periodicity(24, 60.0, 500.0)));
        assertTrue(low.getMessage().contains("f_min >= 80.0"), low.getMessage());
        FeatureSpecException crowded = assertThrows(FeatureSpecException.class,
                () -> base.withPeriodicity(new FeatureSpec.Periodicity(100, 300.0, 400.0)));
        assertTrue(crowded.getMessage().contains("without a whole lag"), crowded.getMessage());
        assertThrows(FeatureSpecException.class, () -> base.withPeriodicity(new FeatureSpec.Periodicity(0, 80.0, 500.0)));
        // a 512-sample window in a 512-point FFT: lag 256 wraps onto lag 256, the window's middle
        FeatureSpec wide = FeatureSpec.read(new ByteArrayInputStream(base.toJson().replace("\"win_length\" : 400", "\"win_length\" : 512")
                .getBytes(StandardCharsets.UTF_8)), "test");
        FeatureSpecException wrap = assertThrows(FeatureSpecException.class,
                () -> wide.withPeriodicity(new FeatureSpec.Periodicity(24, 62.5, 500.0)));
        assertTrue(wrap.getMessage().contains("wrap-around"), wrap.getMessage());
        assertThrows(FeatureSpecException.class, () -> base.withPeriodicity(new FeatureSpec.Periodicity(8, 80.0, 9000.0)));
    }
}
