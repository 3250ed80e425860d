package dev.emostream.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import dev.emostream.features.FeatureSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmotionModelLoadingTest {
    @TempDir
    Path dir;

    private Path copyModel(String descriptorJson) throws IOException {
        ModelDescriptor shipped = ModelDescriptor.read(ModelFiles.descriptor());
        Files.copy(ModelFiles.descriptor().resolveSibling(shipped.onnxFile()), dir.resolve(shipped.onnxFile()),
                StandardCopyOption.REPLACE_EXISTING);
        Path json = dir.resolve("model.json");
        Files.writeString(json, descriptorJson);
        return json;
    }

    private static String shippedJson() throws IOException {
        return Files.readString(ModelFiles.descriptor());
    }

    @Test
    void autoFallsBackToCpuWhenNoCudaAndSaysSo() {
        Assumptions.assumeFalse(OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA),
                "this ONNX Runtime build has CUDA: the fallback is not what runs here");
        try (EmotionModel model = EmotionModel.load(ModelFiles.descriptor(), ExecutionProvider.AUTO, 1)) {
            assertEquals("cpu", model.provider());
        }
    }

    @Test
    void cudaOnlyFailsClearlyWithoutCuda() {
        Assumptions.assumeFalse(OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA));
        ModelException e = assertThrows(ModelException.class,
                () -> EmotionModel.load(ModelFiles.descriptor(), ExecutionProvider.CUDA, 1));
        assertTrue(e.getMessage().contains("CUDA inference requested but unavailable"), e.getMessage());
    }

    @Test
    void refusesAModelTrainedOnOtherFeatures() {
        FeatureSpec model = ModelDescriptor.read(ModelFiles.descriptor()).featureSpec();
        FeatureSpec other = model.withOutput(model.output().equals("mfcc") ? "log_mel" : "mfcc");
        ModelException e = assertThrows(ModelException.class,
                () -> EmotionModel.load(ModelFiles.descriptor(), other, ExecutionProvider.CPU, 1));
        assertTrue(e.getMessage().contains("trained on features this extractor is not configured for"), e.getMessage());
    }

    @Test
    void refusesAFeatureSpecTheExtractorCannotCompute() throws IOException {
        Path json = copyModel(shippedJson().replace("\"mel_scale\": \"slaney\"", "\"mel_scale\": \"bark\""));
        ModelException e = assertThrows(ModelException.class,
                () -> EmotionModel.load(json, ExecutionProvider.CPU, 1));
        assertTrue(e.getMessage().contains("mel_scale 'bark'"), e.getMessage());
    }

    @Test
    void refusesADescriptorThatDisagreesWithTheGraphMetadata() throws IOException {
        String json = shippedJson();
        String version = ModelDescriptor.read(ModelFiles.descriptor()).modelVersion();
        Path changed = copyModel(json.replace("\"model_version\": \"" + version + "\"", "\"model_version\": \"9.9.9\""));
        ModelException e = assertThrows(ModelException.class, () -> EmotionModel.load(changed, ExecutionProvider.CPU, 1));
        assertTrue(e.getMessage().contains("different descriptor"), e.getMessage());
    }

    @Test
    void refusesADescriptorWithMoreLabelsThanTheGraphHasOutputs() throws IOException {
        Path json = copyModel(shippedJson().replace("\"surprised\"", "\"surprised\", \"bored\""));
        ModelException e = assertThrows(ModelException.class, () -> EmotionModel.load(json, ExecutionProvider.CPU, 1));
        assertTrue(e.getMessage().contains("has 8 values per step, but the descriptor's labels are 9"), e.getMessage());
    }

    @Test
    void refusesAMissingOnnxFileAndWrongTensorNames() throws IOException {
        Path json = dir.resolve("m.json");
        Files.writeString(json, shippedJson());
        ModelException missing = assertThrows(ModelException.class, () -> EmotionModel.load(json, ExecutionProvider.CPU, 1));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());

        Path renamed = copyModel(shippedJson().replace("\"input\": \"h0\"", "\"input\": \"state_h\""));
        ModelException names = assertThrows(ModelException.class, () -> EmotionModel.load(renamed, ExecutionProvider.CPU, 1));
        assertTrue(names.getMessage().contains("no input 'state_h'"), names.getMessage());
    }

    @Test
    void malformedDescriptorsAreRefused() {
        assertThrows(ModelException.class, () -> ModelDescriptor.parse("{}", "test"));
        assertThrows(ModelException.class, () -> ModelDescriptor.parse("not json", "test"));
        // The shipped descriptor with one field spoiled at a time: each refused as a ModelException, naming it.
        String good;
        try {
            good = java.nio.file.Files.readString(java.nio.file.Path.of(System.getProperty("emostream.projectDir", "."),
                    "models", "emotion-crnn.json"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertEquals(8, ModelDescriptor.parse(good, "test").labels().size(), "the unspoiled descriptor parses");
        for (String[] spoil : new String[][] {
            {"\"hop_length\"\\s*:\\s*160", "\"hop_length\": 160.9", "hop_length"},
            {"\"n_mels\"\\s*:\\s*64", "\"n_mels\": \"64\"", "n_mels"},
            {"\"onnx_file\"\\s*:\\s*\"[^\"]*\"", "\"onnx_file\": null", "onnx_file"},
            {"\"feature_spec\"\\s*:\\s*\\{[^}]*\\}", "\"feature_spec\": null", "feature_spec"}}) {
            String bad = good.replaceFirst(spoil[0], spoil[1]);
            assertTrue(!bad.equals(good), spoil[0]);
            ModelException e = assertThrows(ModelException.class, () -> ModelDescriptor.parse(bad, "test"), spoil[1]);
            assertTrue(e.getMessage().contains(spoil[2]), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> ExecutionProvider.parse("tpu"));
        assertEquals(ExecutionProvider.CUDA, ExecutionProvider.parse(" Cuda "));
    }
}
