package dev.emostream.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FeatureSpecTest {

    private static FeatureSpec parse(String json) {
        return FeatureSpec.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "test");
    }

    private static String shippedJsonWith(String field, String value) {
        // start from MFCC output so its extra rules (power-of-two mel bands) are exercised too
        String json = FeatureSpec.bundled().withOutput("mfcc").toJson();
        String replaced = json.replaceFirst("\"" + field + "\" : [^,\\n]+", "\"" + field + "\" : " + value);
        assertTrue(!replaced.equals(json) || json.contains("\"" + field + "\" : " + value), "field " + field);
        return replaced;
    }

    @Test
    void bundledSpecIsTheOneInModels() {
        String dir = System.getProperty("emostream.projectDir", ".");
        FeatureSpec fromModels = FeatureSpec.read(Path.of(dir, "models", "feature-spec.json"));
        assertEquals(fromModels, FeatureSpec.bundled());
        // the model's features: the 64 log-mel energies
        assertEquals("log_mel", fromModels.output());
        assertEquals(fromModels.nMels(), fromModels.featureCount());
        assertEquals(fromModels.nMfcc(), fromModels.withOutput("mfcc").featureCount());
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
            {"n_fft", "1000", "n_fft 1000 must be a power of two (e.g. 1024)"},
            {"n_mels", "40", "n_mels 40 must be a power of two when output is mfcc (e.g. 32 or 64)"},
            {"sample_rate", "12345", "sample_rate 12345 (the resampler outputs 8000, 11025, 16000, 22050, 32000, 44100, 48000 Hz)"},
        };
        for (String[] c : bad) {
            FeatureSpecException e = assertThrows(FeatureSpecException.class,
                    () -> parse(shippedJsonWith(c[0], c[1])), c[0]);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
    }

    @Test
    void logMelNeedsNoPowerOfTwoMelBands() {
        // The reference test's variant spec: 40 bands, log_mel, where no DCT is computed.
        FeatureSpec spec = parse(shippedJsonWith("n_mels", "40").replace("\"mfcc\"", "\"log_mel\""));
        assertEquals(40, spec.featureCount());
    }

    @Test
    void refusesValuesJacksonWouldOtherwiseCoerce() {
        String[][] bad = {
            {"win_length", "400.9"},     // would truncate to 400
            {"win_length", "400.0"},
            {"win_length", "\"400\""},
            {"power", "\"2.0\""},
            {"f_max", "\"\""},
        };
        for (String[] c : bad) {
            FeatureSpecException e = assertThrows(FeatureSpecException.class,
                    () -> parse(shippedJsonWith(c[0], c[1])), c[0] + " = " + c[1]);
            assertTrue(e.getMessage().contains("invalid feature spec"), e.getMessage());
        }
        // An integer where a number is expected is plain JSON, not a coercion.
        assertEquals(2.0, parse(shippedJsonWith("power", "2")).power());
        assertEquals(7600.0, parse(shippedJsonWith("f_max", "7600")).fMax());
    }

    @Test
    void referenceTestsUseTheShippedSpec() throws IOException {
        // The torchaudio reference was computed with spec-shipped.json: it must stay the model's spec.
        String dir = System.getProperty("emostream.projectDir", ".");
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree(Path.of(dir, "models", "feature-spec.json").toFile()),
                json.readTree(TestResources.bytes("/features/spec-shipped.json")));
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
