package dev.emostream.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import dev.emostream.features.FeatureSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The exported streaming CRNN in an ONNX Runtime session. Stateless between calls: the caller
 * passes each stream's LSTM state in and gets the new state back, so one session serves every
 * stream and one call can step many streams at once. Thread-safe (ORT sessions are).
 */
public final class EmotionModel implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EmotionModel.class.getName());
    /** Where the jar carries the shipped model (see the pom's resources). */
    static final String BUNDLED_DIR = "/models/";
    static final String DESCRIPTOR_NAME = "emotion-crnn.json";

    private final ModelDescriptor descriptor;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String provider;

    private EmotionModel(ModelDescriptor descriptor, OrtEnvironment env, OrtSession session, String provider) {
        this.descriptor = descriptor;
        this.env = env;
        this.session = session;
        this.provider = provider;
    }

    /**
     * Loads a model from its descriptor JSON (the .onnx file sits beside it); features are then
     * to be computed with the descriptor's own spec, which the extractor has already validated.
     */
    public static EmotionModel load(Path descriptorFile, ExecutionProvider choice, int intraOpThreads) {
        return load(descriptorFile, ModelDescriptor.read(descriptorFile).featureSpec(), choice, intraOpThreads);
    }

    /**
     * Loads a model from its descriptor JSON (the .onnx file sits beside it).
     *
     * @param extractorSpec the feature spec this process computes; a model trained on other
     *                      features is refused
     */
    public static EmotionModel load(Path descriptorFile, FeatureSpec extractorSpec, ExecutionProvider choice,
                                    int intraOpThreads) {
        ModelDescriptor descriptor = ModelDescriptor.read(descriptorFile);
        if (!descriptor.featureSpec().equals(extractorSpec)) {
            throw new ModelException("model " + descriptorFile + " was trained on features this extractor is not "
                    + "configured for: model spec " + descriptor.featureSpec().toJson().replaceAll("\\s+", " ")
                    + " vs extractor spec " + extractorSpec.toJson().replaceAll("\\s+", " "));
        }
        Path onnx = descriptorFile.toAbsolutePath().resolveSibling(descriptor.onnxFile());
        if (!Files.isRegularFile(onnx)) {
            throw new ModelException("model file " + onnx + " named by " + descriptorFile + " does not exist");
        }
        try {
            return create(descriptor, Files.readAllBytes(onnx), onnx.toString(), choice, intraOpThreads);
        } catch (IOException e) {
            throw new ModelException("cannot read " + onnx + ": " + e.getMessage(), e);
        }
    }

    /** The model shipped inside the jar (a copy of models/emotion-crnn.json and its .onnx). */
    public static EmotionModel loadBundled(ExecutionProvider choice, int intraOpThreads) {
        byte[] json = resource(BUNDLED_DIR + DESCRIPTOR_NAME);
        ModelDescriptor descriptor = ModelDescriptor.parse(new String(json, StandardCharsets.UTF_8), "bundled model");
        byte[] onnx = resource(BUNDLED_DIR + descriptor.onnxFile());
        return create(descriptor, onnx, "bundled " + descriptor.onnxFile(), choice, intraOpThreads);
    }

    /** The bundled model's descriptor alone (labels, version), without loading the network. */
    public static ModelDescriptor bundledDescriptor() {
        return ModelDescriptor.parse(new String(resource(BUNDLED_DIR + DESCRIPTOR_NAME), StandardCharsets.UTF_8), "bundled model");
    }

    private static byte[] resource(String name) {
        try (InputStream in = EmotionModel.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new ModelException(name + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new ModelException("cannot read " + name + ": " + e.getMessage(), e);
        }
    }

    private static EmotionModel create(ModelDescriptor descriptor, byte[] onnxBytes, String origin,
                                       ExecutionProvider choice, int intraOpThreads) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = options(intraOpThreads)) {
            String provider = selectProvider(options, choice);
            OrtSession session;
            try {
                session = env.createSession(onnxBytes, options);
            } catch (OrtException e) {
                if (!"cuda".equals(provider) || choice != ExecutionProvider.AUTO) {
                    throw e;
                }
                // The CUDA provider loaded but the session could not start on it (no usable device or
                // driver): with "auto", fall back to the CPU and say why.
                LOG.log(System.Logger.Level.WARNING, "inference on CPU: CUDA session failed: " + e.getMessage());
                try (OrtSession.SessionOptions cpu = options(intraOpThreads)) {
                    session = env.createSession(onnxBytes, cpu);
                }
                provider = "cpu";
            }
            EmotionModel model = new EmotionModel(descriptor, env, session, provider);
            try {
                model.checkGraph(origin);
            } catch (OrtException | RuntimeException e) {
                model.close();
                throw e;
            }
            return model;
        } catch (OrtException e) {
            throw new ModelException("ONNX Runtime cannot load " + origin + ": " + e.getMessage(), e);
        }
    }

    private static OrtSession.SessionOptions options(int intraOpThreads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(intraOpThreads);
        options.setInterOpNumThreads(1);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return options;
    }

    /** Picks the execution provider and says which one and why, once, in the log. */
    static String selectProvider(OrtSession.SessionOptions options, ExecutionProvider choice) {
        if (choice == ExecutionProvider.CPU) {
            LOG.log(System.Logger.Level.INFO, "inference on CPU (requested)");
            return "cpu";
        }
        boolean built = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
        String why;
        if (built) {
            try {
                options.addCUDA(0);
                LOG.log(System.Logger.Level.INFO, "inference on CUDA device 0");
                return "cuda";
            } catch (OrtException | RuntimeException e) {
                why = "CUDA provider failed to start: " + e.getMessage();
            }
        } else {
            why = "this ONNX Runtime build has no CUDA provider (build with -Pgpu for onnxruntime_gpu)";
        }
        if (choice == ExecutionProvider.CUDA) {
            throw new ModelException("CUDA inference requested but unavailable: " + why);
        }
        LOG.log(choice == ExecutionProvider.AUTO && built ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                "inference on CPU: " + why);
        return "cpu";
    }

    private void checkGraph(String onnx) throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        List<String> wantedInputs = new ArrayList<>(List.of(descriptor.featuresInput()));
        List<String> wantedOutputs = new ArrayList<>(List.of(descriptor.probabilitiesOutput()));
        for (ModelDescriptor.StateTensor t : descriptor.state()) {
            wantedInputs.add(t.input());
            wantedOutputs.add(t.output());
        }
        for (String name : wantedInputs) {
            if (!inputs.containsKey(name)) {
                throw new ModelException(onnx + " has no input '" + name + "' (inputs: " + inputs.keySet() + ")");
            }
        }
        for (String name : wantedOutputs) {
            if (!outputs.containsKey(name)) {
                throw new ModelException(onnx + " has no output '" + name + "' (outputs: " + outputs.keySet() + ")");
            }
        }
        // Sizes the graph fixes must be the descriptor's, or probabilities would be read at wrong offsets.
        checkLastDimension(onnx, "output", descriptor.probabilitiesOutput(), outputs, descriptor.classCount(), "labels");
        checkLastDimension(onnx, "input", descriptor.featuresInput(), inputs, descriptor.featureSpec().featureCount(),
                "feature spec's values per frame");
        String embedded = session.getMetadata().getCustomMetadata().get(ModelDescriptor.METADATA_KEY);
        if (embedded != null) {
            ModelDescriptor inGraph = ModelDescriptor.parse(embedded, onnx + " metadata");
            if (!inGraph.equals(descriptor)) {
                throw new ModelException(onnx + " carries a different descriptor (version "
                        + inGraph.modelVersion() + ") than its JSON (version " + descriptor.modelVersion() + ")");
            }
        }
    }

    private static void checkLastDimension(String onnx, String kind, String name, Map<String, NodeInfo> nodes, int expected,
                                           String what) {
        if (nodes.get(name).getInfo() instanceof ai.onnxruntime.TensorInfo t) {
            long[] shape = t.getShape();
            long last = shape.length == 0 ? -1 : shape[shape.length - 1];
            if (last > 0 && last != expected) {
                throw new ModelException(onnx + ": " + kind + " '" + name + "' has " + last + " values per step, but the descriptor's "
                        + what + " are " + expected);
            }
        }
    }

    public ModelDescriptor descriptor() {
        return descriptor;
    }

    /** "cuda" or "cpu": what the session really runs on. */
    public String provider() {
        return provider;
    }

    /**
     * Runs {@code batch} streams over {@code frames} feature frames each (a multiple of
     * frames_per_step), from their state tensors.
     *
     * @param features [batch][frames][features], flattened
     * @param state    one array per {@link ModelDescriptor#state()} tensor, in ONNX layout for this batch
     */
    public Output run(float[] features, int batch, int frames, float[][] state) {
        int nFeat = descriptor.featureSpec().featureCount();
        int stack = descriptor.framesPerStep();
        if (frames % stack != 0 || frames == 0) {
            throw new IllegalArgumentException(frames + " frames is not a positive multiple of " + stack);
        }
        List<ModelDescriptor.StateTensor> tensors = descriptor.state();
        if (features.length < (long) batch * frames * nFeat || state.length != tensors.size()) {
            throw new IllegalArgumentException("inputs do not fit batch " + batch + " x " + frames + " frames");
        }
        List<OnnxTensor> created = new ArrayList<>();
        try {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(features, 0, batch * frames * nFeat),
                    new long[] {batch, frames, nFeat});
            created.add(x);
            inputs.put(descriptor.featuresInput(), x);
            for (int i = 0; i < tensors.size(); i++) {
                ModelDescriptor.StateTensor t = tensors.get(i);
                if (state[i].length != t.size() * batch) {
                    throw new IllegalArgumentException("state " + t.input() + " holds " + state[i].length
                            + " values, expected " + t.size() * batch);
                }
                OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(state[i]), t.shapeFor(batch));
                created.add(tensor);
                inputs.put(t.input(), tensor);
            }
            try (OrtSession.Result result = session.run(inputs)) {
                float[][] newState = new float[tensors.size()][];
                for (int i = 0; i < tensors.size(); i++) {
                    newState[i] = floats(result, tensors.get(i).output());
                }
                return new Output(floats(result, descriptor.probabilitiesOutput()), frames / stack, newState);
            }
        } catch (OrtException e) {
            throw new ModelException("inference failed: " + e.getMessage(), e);
        } finally {
            created.forEach(OnnxTensor::close);
        }
    }

    private static float[] floats(OrtSession.Result result, String name) {
        OnnxValue value = result.get(name).orElseThrow(() -> new ModelException("model returned no '" + name + "'"));
        FloatBuffer buffer = ((OnnxTensor) value).getFloatBuffer();
        float[] out = new float[buffer.remaining()];
        buffer.get(out);
        return out;
    }

    /**
     * One call's results: probabilities [batch][steps][classes] and the new state tensors, in ONNX
     * layout.
     */
    public record Output(float[] probabilities, int steps, float[][] state) {
    }

    @Override
    public void close() {
        closeQuietly(session);
    }

    private static void closeQuietly(OrtSession session) {
        if (session != null) {
            try {
                session.close();
            } catch (OrtException e) {
                LOG.log(System.Logger.Level.WARNING, "closing the ONNX session failed", e);
            }
        }
    }
}
