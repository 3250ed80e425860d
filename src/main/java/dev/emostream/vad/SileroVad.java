package dev.emostream.vad;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Silero VAD v5 (MIT) in an ONNX Runtime session: the speech probability of 32 ms windows of
 * 16 kHz audio (or, with its 8 kHz branch, of 8 kHz audio: half the samples), many streams per call. Stateless between calls, as the emotion model: each stream's
 * recurrent state (2 x 128 values) and the 64 samples of context before its window are passed in,
 * the new state comes back. The model file is the one the npm package @ricky0123/vad-web ships; the
 * build fetches it by pinned version and checksum (pom.xml) and this class checks its SHA-256 again.
 * Thread-safe (ORT sessions are).
 */
public final class SileroVad implements AutoCloseable {
    public static final int SAMPLE_RATE = 16_000;
    /** Samples per window (32 ms): what Silero v5 takes at 16 kHz. */
    public static final int WINDOW = 512;
    /** Samples of the previous window put before each window, as silero-vad's own wrapper does. */
    public static final int CONTEXT = 64;
    /** Silero's other rate: telephone audio, 256-sample windows (also 32 ms) after 32 samples of context. */
    public static final int NARROW_RATE = 8_000;
    /** One stream's recurrent state: [2][128] (the graph's [2][batch][128] without the batch axis). */
    public static final int STATE_SIZE = 2 * 128;
    static final String RESOURCE = "/dev/emostream/vad/silero_vad_v5.onnx";
    static final String SHA256 = "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f";

    private final OrtEnvironment env;
    private final OrtSession wide;    // the 16 kHz graph
    private final OrtSession narrow;  // the 8 kHz graph

    /** Windows of digital silence {@link #silenceState} is taken after (2 s). */
    static final int SILENCE_WINDOWS = 64;
    private final float[][] silenceStates = new float[2][];

    private SileroVad(OrtEnvironment env, OrtSession wide, OrtSession narrow) {
        this.env = env;
        this.wide = wide;
        this.narrow = narrow;
    }

    /**
     * The model carried in the jar, as one graph per sample rate in the batch-friendly form of
     * {@link SileroGraph} (the same computation, 2.5-3x faster per window from 16 streams per call). Runs on
     * the CPU: it is small, and a GPU call would cost more than it saves.
     */
    public static SileroVad loadBundled(int intraOpThreads) {
        byte[] onnx = bundledBytes();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            OrtSession wide = env.createSession(SileroGraph.forRate(onnx, SAMPLE_RATE), options);
            try {
                return new SileroVad(env, wide, env.createSession(SileroGraph.forRate(onnx, NARROW_RATE), options));
            } catch (OrtException | RuntimeException e) {
                try {
                    wide.close();
                } catch (OrtException c) {
                    e.addSuppressed(c);
                }
                throw e;
            }
        } catch (OrtException e) {
            throw new VadException("ONNX Runtime cannot load the voice-activity model: " + e.getMessage(), e);
        }
    }

    static byte[] bundledBytes() {
        byte[] onnx;
        try (InputStream in = SileroVad.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new VadException(RESOURCE + " is missing from the classpath (the build fetches it from npm: "
                        + "run mvn package)");
            }
            onnx = in.readAllBytes();
        } catch (IOException e) {
            throw new VadException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
        String sha = sha256(onnx);
        if (!SHA256.equals(sha)) {
            throw new VadException(RESOURCE + " has SHA-256 " + sha + ", not the pinned " + SHA256);
        }
        return onnx;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Samples per window at {@code rate} (16 or 8 kHz): 32 ms either way. */
    public static int window(int rate) {
        return rate == NARROW_RATE ? WINDOW / 2 : WINDOW;
    }

    /** Samples of context before a window at {@code rate}. */
    public static int context(int rate) {
        return rate == NARROW_RATE ? CONTEXT / 2 : CONTEXT;
    }

    /** Runs one 16 kHz window for each of {@code batch} streams. */
    public void run(float[] input, float[] state, int batch, float[] probs) {
        run(SAMPLE_RATE, input, state, batch, probs);
    }

    /**
     * Runs one window for each of {@code batch} streams, all at {@code rate}.
     *
     * @param rate   16000 or 8000 (Silero's two branches)
     * @param input  [batch][context(rate) + window(rate)] samples, flattened
     * @param state  [2][batch][128] (the graph's layout), replaced by the new state
     * @param probs  receives each stream's speech probability
     */
    public void run(int rate, float[] input, float[] state, int batch, float[] probs) {
        if (rate != SAMPLE_RATE && rate != NARROW_RATE) {
            throw new IllegalArgumentException("Silero runs at 16000 or 8000 Hz, not " + rate);
        }
        int width = context(rate) + window(rate);
        if (input.length < batch * width || state.length < batch * STATE_SIZE || probs.length < batch) {
            throw new IllegalArgumentException("arrays do not fit a batch of " + batch);
        }
        OrtSession session = rate == SAMPLE_RATE ? wide : narrow;
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input, 0, batch * width), new long[] {batch, width});
             OnnxTensor s = OnnxTensor.createTensor(env, FloatBuffer.wrap(state, 0, batch * STATE_SIZE),
                     new long[] {2, batch, STATE_SIZE / 2});
             OrtSession.Result result = session.run(Map.of("input", x, "state", s))) {
            ((OnnxTensor) result.get("output").orElseThrow()).getFloatBuffer().get(probs, 0, batch);
            ((OnnxTensor) result.get("stateN").orElseThrow()).getFloatBuffer().get(state, 0, batch * STATE_SIZE);
        } catch (OrtException e) {
            throw new VadException("voice-activity inference failed: " + e.getMessage(), e);
        }
    }

    /**
     * The recurrent state Silero reaches after hearing digital silence from a fresh start: what a
     * stream's state becomes when quiet windows skip the model. (A fresh, all-zero state is not it:
     * from zeros, Silero took -30 dBFS white noise right after silence for speech.) A copy.
     */
    public synchronized float[] silenceState(int rate) {
        int k = rate == NARROW_RATE ? 1 : 0;
        if (silenceStates[k] == null) {
            float[] input = new float[context(rate) + window(rate)];
            float[] state = new float[STATE_SIZE];
            float[] prob = new float[1];
            for (int i = 0; i < SILENCE_WINDOWS; i++) {
                run(rate, input, state, 1, prob);
            }
            silenceStates[k] = state;
        }
        return silenceStates[k].clone();
    }

    @Override
    public void close() {
        for (OrtSession session : new OrtSession[] {wide, narrow}) {
            try {
                session.close();
            } catch (OrtException e) {
                System.getLogger(SileroVad.class.getName()).log(System.Logger.Level.WARNING, "closing the VAD session failed", e);
            }
        }
    }
}
