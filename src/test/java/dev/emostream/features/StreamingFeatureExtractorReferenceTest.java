package dev.emostream.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compares the extractor with torchaudio 0.13 (float64 reference, see
 * src/test/resources/features/make_reference.py) on a chirp, noise with digital silence, and
 * espeak-ng speech, for the shipped spec and a variant that exercises the other options.
 *
 * <p>Tolerance: the spectrum, logs and DCT are computed in double and the output stored as float32,
 * and the reference's DCT matrix is float32 (torchaudio's create_dct), so errors are rounding only:
 * measured at most 6.9e-5 and 2.0e-5 on average. The bounds leave about 3x margin; a wrong window,
 * mel scale, filter norm or frame alignment gives errors of 1e-2 and more.
 */
class StreamingFeatureExtractorReferenceTest {
    private static final double MAX_ABS_ERROR = 2e-4;
    private static final double MEAN_ABS_ERROR = 5e-5;

    static Stream<Arguments> cases() throws IOException {
        JsonNode index = new ObjectMapper().readTree(TestResources.bytes("/features/reference.json"));
        List<Arguments> cases = new ArrayList<>();
        for (Map.Entry<String, JsonNode> signal : index.get("signals").properties()) {
            for (Map.Entry<String, JsonNode> ref : signal.getValue().get("references").properties()) {
                cases.add(Arguments.of(signal.getKey(), ref.getKey(), signal.getValue().get("file").asText(),
                        index.get("specs").get(ref.getKey()).asText(), ref.getValue().get("file").asText(),
                        ref.getValue().get("frames").asInt(), ref.getValue().get("features").asInt()));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("cases")
    void matchesTorchaudio(String signalName, String specName, String signalFile, String specFile,
                           String referenceFile, int frames, int features) {
        FeatureSpec spec = TestResources.spec("/features/" + specFile);
        float[] signal = TestResources.floats("/features/" + signalFile);
        float[] reference = TestResources.floats("/features/" + referenceFile);

        float[][] actual = StreamingFeatureExtractor.extractAll(spec, signal);

        assertEquals(frames, actual.length, "frame count");
        assertEquals(spec.framesFor(signal.length), actual.length, "FeatureSpec.framesFor");
        double maxError = 0;
        String where = "";
        double sumError = 0;
        for (int f = 0; f < frames; f++) {
            assertEquals(features, actual[f].length);
            for (int k = 0; k < features; k++) {
                double error = Math.abs(actual[f][k] - reference[f * features + k]);
                if (error > maxError) {
                    where = "frame " + f + " feature " + k + " actual " + actual[f][k] + " reference "
                            + reference[f * features + k];
                }
                maxError = Math.max(maxError, error);
                sumError += error;
            }
        }
        double meanError = sumError / (frames * (double) features);
        System.out.printf("reference %s/%s: max |error| %.3g (%s), mean |error| %.3g over %d frames%n",
                signalName, specName, maxError, where, meanError, frames);
        assertTrue(maxError <= MAX_ABS_ERROR, "max |error| " + maxError + " > " + MAX_ABS_ERROR);
        assertTrue(meanError <= MEAN_ABS_ERROR, "mean |error| " + meanError + " > " + MEAN_ABS_ERROR);
    }
}
