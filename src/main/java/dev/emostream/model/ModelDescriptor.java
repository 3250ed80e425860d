package dev.emostream.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emostream.features.FeatureSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the service must know about a model to run it: its version, label order, how many feature
 * frames make one LSTM step, the LSTM size, the tensor names, and the feature spec it was trained
 * on. Written by models/train/export.py as {@code emotion-crnn.json} beside the ONNX file, and
 * embedded in the ONNX metadata under {@link #METADATA_KEY}.
 */
@JsonIgnoreProperties(value = {"parameters", "members"})
public record ModelDescriptor(
        @JsonProperty(value = "model_version", required = true) String modelVersion,
        @JsonProperty(value = "onnx_file", required = true) String onnxFile,
        @JsonProperty(value = "labels", required = true) List<String> labels,
        @JsonProperty(value = "frames_per_step", required = true) int framesPerStep,
        @JsonProperty(value = "step_seconds", required = true) double stepSeconds,
        @JsonProperty(value = "features_input", required = true) String featuresInput,
        @JsonProperty(value = "probabilities_output", required = true) String probabilitiesOutput,
        @JsonProperty(value = "state", required = true) List<StateTensor> state,
        @JsonProperty(value = "feature_spec", required = true) FeatureSpec featureSpec) {

    /**
     * One recurrent state tensor a stream carries from call to call (the LSTM's h and c, the
     * running normalisation statistics): fed as {@code input}, returned as {@code output}.
     * {@code shape} has -1 at the batch axis.
     */
    public record StateTensor(
            @JsonProperty(value = "input", required = true) String input,
            @JsonProperty(value = "output", required = true) String output,
            @JsonProperty(value = "shape", required = true) List<Integer> shape) {

        public StateTensor {
            shape = List.copyOf(shape);
            long batchAxes = shape.stream().filter(d -> d == -1).count();
            if (batchAxes != 1 || shape.stream().anyMatch(d -> d == 0 || d < -1)) {
                throw new ModelException("state tensor " + input + ": shape " + shape
                        + " must have positive sizes and exactly one batch axis (-1)");
            }
        }

        int batchAxis() {
            return shape.indexOf(-1);
        }

        /** Elements before the batch axis (ONNX layout is row-major). */
        int outer() {
            int n = 1;
            for (int i = 0; i < batchAxis(); i++) {
                n *= shape.get(i);
            }
            return n;
        }

        /** Elements after the batch axis. */
        int inner() {
            int n = 1;
            for (int i = batchAxis() + 1; i < shape.size(); i++) {
                n *= shape.get(i);
            }
            return n;
        }

        /** Elements one stream holds. */
        public int size() {
            return outer() * inner();
        }

        long[] shapeFor(int batch) {
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = shape.get(i) == -1 ? batch : shape.get(i);
            }
            return dims;
        }
    }

    /** ONNX metadata key holding this descriptor as JSON. */
    public static final String METADATA_KEY = "emostream.model";

    // As strict as FeatureSpec's own reader: its fields are parsed here too (160.9 is no hop length).
    private static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .withCoercionConfigDefaults(config -> config
                    .setCoercion(com.fasterxml.jackson.databind.cfg.CoercionInputShape.String,
                            com.fasterxml.jackson.databind.cfg.CoercionAction.Fail)
                    .setCoercion(com.fasterxml.jackson.databind.cfg.CoercionInputShape.EmptyString,
                            com.fasterxml.jackson.databind.cfg.CoercionAction.Fail))
            .build();

    public ModelDescriptor {
        List<String> problems = new ArrayList<>();
        if (labels == null || labels.isEmpty()) {
            problems.add("no labels");
        }
        if (framesPerStep < 1 || framesPerStep > 1000) {
            problems.add("frames_per_step " + framesPerStep + " outside [1, 1000]");
        }
        if (state == null || state.isEmpty()) {
            problems.add("no state tensors (a streaming model carries at least the LSTM's h and c)");
        }
        if (featureSpec == null) {
            problems.add("no feature_spec");
        }
        if (onnxFile == null || onnxFile.isBlank()) {
            problems.add("no onnx_file");
        }
        if (featureSpec != null) {
            double expected = framesPerStep * featureSpec.frameStepSeconds();
            if (Math.abs(expected - stepSeconds) > 1e-9) {
                problems.add("step_seconds " + stepSeconds + " but frames_per_step x hop is " + expected);
            }
        }
        if (!problems.isEmpty()) {
            throw new ModelException("unusable model descriptor: " + String.join("; ", problems));
        }
        labels = List.copyOf(labels);
        state = List.copyOf(state);
    }

    public int classCount() {
        return labels.size();
    }

    /**
     * Where model step {@code step}'s decision becomes available, in samples of audio at the
     * spec's rate: the step needs frames [step*stack, (step+1)*stack), and the last of them ends
     * (last*hop + win) samples in.
     */
    public long stepEndSamples(long step) {
        long lastFrame = (step + 1) * framesPerStep - 1;
        return lastFrame * featureSpec.hopLength() + featureSpec.winLength();
    }

    public static ModelDescriptor read(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new ModelException("cannot read model descriptor " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses a descriptor. A feature spec the extractor cannot compute fails here, with the
     * extractor's own explanation: the service refuses such a model.
     */
    public static ModelDescriptor parse(String json, String origin) {
        try {
            return JSON.readValue(json, ModelDescriptor.class);
        } catch (IOException e) {
            Throwable cause = e.getCause();
            String reason = cause instanceof RuntimeException && cause.getMessage() != null
                    ? cause.getMessage() : e.getMessage();
            throw new ModelException("model " + origin + " is not usable: " + reason, e);
        }
    }
}
