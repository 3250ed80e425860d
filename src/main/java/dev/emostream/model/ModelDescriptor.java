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
import java.util.Map;

/**
 * What the service must know about a model to run it: its version, label order, how many feature
 * frames make one LSTM step, the LSTM size, the tensor names, and the feature spec it was trained
 * on. Written by models/train/export.py as {@code emotion-crnn.json} beside the ONNX file, and
 * embedded in the ONNX metadata under {@link #METADATA_KEY}.
 */
@JsonIgnoreProperties(value = {"parameters"})
public record ModelDescriptor(
        @JsonProperty(value = "model_version", required = true) String modelVersion,
        @JsonProperty(value = "onnx_file", required = true) String onnxFile,
        @JsonProperty(value = "labels", required = true) List<String> labels,
        @JsonProperty(value = "frames_per_step", required = true) int framesPerStep,
        @JsonProperty(value = "step_seconds", required = true) double stepSeconds,
        @JsonProperty(value = "lstm_layers", required = true) int lstmLayers,
        @JsonProperty(value = "lstm_hidden", required = true) int lstmHidden,
        @JsonProperty(value = "inputs", required = true) Map<String, String> inputs,
        @JsonProperty(value = "outputs", required = true) Map<String, String> outputs,
        @JsonProperty(value = "feature_spec", required = true) FeatureSpec featureSpec) {

    /** ONNX metadata key holding this descriptor as JSON. */
    public static final String METADATA_KEY = "emostream.model";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    public ModelDescriptor {
        List<String> problems = new ArrayList<>();
        if (labels == null || labels.isEmpty()) {
            problems.add("no labels");
        }
        if (framesPerStep < 1 || framesPerStep > 1000) {
            problems.add("frames_per_step " + framesPerStep + " outside [1, 1000]");
        }
        if (lstmLayers < 1 || lstmLayers > 8) {
            problems.add("lstm_layers " + lstmLayers + " outside [1, 8]");
        }
        if (lstmHidden < 1 || lstmHidden > 4096) {
            problems.add("lstm_hidden " + lstmHidden + " outside [1, 4096]");
        }
        for (String key : List.of("features", "h0", "c0")) {
            if (inputs == null || !inputs.containsKey(key)) {
                problems.add("inputs lacks '" + key + "'");
            }
        }
        for (String key : List.of("probabilities", "hn", "cn")) {
            if (outputs == null || !outputs.containsKey(key)) {
                problems.add("outputs lacks '" + key + "'");
            }
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
        inputs = Map.copyOf(inputs);
        outputs = Map.copyOf(outputs);
    }

    public int classCount() {
        return labels.size();
    }

    /** Size of one stream's LSTM state vector (h or c): layers x hidden. */
    public int stateSize() {
        return lstmLayers * lstmHidden;
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
