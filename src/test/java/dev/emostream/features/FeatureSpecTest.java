package dev.emostream.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FeatureSpecTest {

    private static FeatureSpec parse(String json) {
        return FeatureSpec.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "test");
    }

    private static String shippedJsonWith(String field, String value) {
        String json = FeatureSpec.bundled().toJson();
        String replaced = json.replaceFirst("\"" + field + "\" : [^,\\n]+", "\"" + field + "\" : " + value);
        assertTrue(!replaced.equals(json) || json.contains("\"" + field + "\" : " + value), "field " + field);
        return replaced;
    }

    @Test
    void bundledSpecIsTheOneInModels() {
        String dir = System.getProperty("emostream.projectDir", ".");
        FeatureSpec fromModels = FeatureSpec.read(Path.of(dir, "models", "feature-spec.json"));
        assertEquals(fromModels, FeatureSpec.bundled());
        assertEquals(40, fromModels.featureCount());
        assertEquals(0.01, fromModels.frameStepSeconds(), 1e-12);
    }

    @Test
    void jsonRoundTrips() {
        FeatureSpec spec = FeatureSpec.bundled();
        assertEquals(spec, parse(spec.toJson()));
    }

    @Test
    void framesForCountsCompleteWindowsOnly() {
        FeatureSpec spec = FeatureSpec.bundled();
        assertEquals(0, spec.framesFor(399));
        assertEquals(1, spec.framesFor(400));
        assertEquals(1, spec.framesFor(559));
        assertEquals(2, spec.framesFor(560));
        assertEquals(98, spec.framesFor(16_000));
    }

    @Test
    void refusesWhatTheExtractorCannotCompute() {
        String[][] bad = {
            {"version", "2", "version 2"},
            {"window", "\"blackman\"", "window 'blackman'"},
            {"mel_scale", "\"bark\"", "mel_scale 'bark'"},
            {"hop_length", "0", "hop_length 0"},
            {"n_fft", "256", "n_fft 256"},
            {"f_max", "9000.0", "f_max 9000.0"},
            {"n_mfcc", "65", "n_mfcc 65"},
            {"log_floor", "0.0", "log_floor 0.0"},
            {"output", "\"spectrogram\"", "output 'spectrogram'"},
        };
        for (String[] c : bad) {
            FeatureSpecException e = assertThrows(FeatureSpecException.class,
                    () -> parse(shippedJsonWith(c[0], c[1])), c[0]);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
    }

    @Test
    void refusesUnknownAndMissingFields() {
        String json = FeatureSpec.bundled().toJson();
        FeatureSpecException unknown = assertThrows(FeatureSpecException.class,
                () -> parse(json.replace("{", "{\n  \"pre_emphasis\" : 0.97,")));
        assertTrue(unknown.getMessage().contains("pre_emphasis"), unknown.getMessage());
        FeatureSpecException missing = assertThrows(FeatureSpecException.class,
                () -> parse(json.replaceFirst("\"n_mels\" : 64,", "")));
        assertTrue(missing.getMessage().contains("n_mels"), missing.getMessage());
        assertThrows(FeatureSpecException.class, () -> parse("not json"));
    }

    @Test
    void refusesMelBinsThatCoverNoFftBin() {
        FeatureSpec tooManyMels = parse(shippedJsonWith("n_mels", "256"));
        FeatureSpecException e = assertThrows(FeatureSpecException.class, () -> new MelFilterbank(tooManyMels));
        assertTrue(e.getMessage().contains("covers no FFT bin"), e.getMessage());
    }
}
