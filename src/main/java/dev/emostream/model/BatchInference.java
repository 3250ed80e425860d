package dev.emostream.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Steps many streams through the model with as few ONNX calls as possible: every call takes all
 * streams that have at least one full step of frames queued, and as many steps as all of them
 * have (capped). A stream's LSTM state must never advance over padding, so streams are not padded
 * to a common length: those with more steps queued simply join the next call.
 */
public final class BatchInference {
    /** Receives each stream's class probabilities for each step, in order. */
    @FunctionalInterface
    public interface StepListener {
        void onStep(StreamState stream, long stepIndex, float[] probabilities);
    }

    private final EmotionModel model;
    private final int maxBatch;
    private final int maxStepsPerCall;

    public BatchInference(EmotionModel model, int maxBatch, int maxStepsPerCall) {
        if (maxBatch < 1 || maxStepsPerCall < 1) {
            throw new IllegalArgumentException("maxBatch and maxStepsPerCall must be positive");
        }
        this.model = model;
        this.maxBatch = maxBatch;
        this.maxStepsPerCall = maxStepsPerCall;
    }

    /** Runs every full step queued in {@code streams}; returns the number of ONNX calls made. */
    public int runReady(List<StreamState> streams, StepListener listener) {
        return runReady(streams, listener, (batch, nanos) -> { });
    }

    /** Told each ONNX call's batch size and duration (for metrics). */
    @FunctionalInterface
    public interface CallListener {
        void onCall(int batch, long nanos);
    }

    /** As {@link #runReady(List, StepListener)}, telling {@code onCall} each call's batch size and duration. */
    public int runReady(List<StreamState> streams, StepListener listener, CallListener onCall) {
        ModelDescriptor d = model.descriptor();
        int stack = d.framesPerStep();
        int nFeat = d.featureSpec().featureCount();
        List<ModelDescriptor.StateTensor> tensors = d.state();
        int classes = d.classCount();
        int calls = 0;
        float[] probs = new float[classes];
        while (true) {
            List<StreamState> ready = new ArrayList<>();
            int steps = maxStepsPerCall;
            for (StreamState s : streams) {
                int available = s.queuedFrames() / stack;
                if (available > 0 && ready.size() < maxBatch) {
                    ready.add(s);
                    steps = Math.min(steps, available);
                }
            }
            if (ready.isEmpty()) {
                return calls;
            }
            int batch = ready.size();
            int frames = steps * stack;
            float[] x = new float[batch * frames * nFeat];
            float[][] state = new float[tensors.size()][];
            for (int i = 0; i < tensors.size(); i++) {
                state[i] = new float[tensors.get(i).size() * batch];
            }
            for (int b = 0; b < batch; b++) {
                StreamState s = ready.get(b);
                s.copyFrames(frames, x, b * frames * nFeat);
                for (int i = 0; i < tensors.size(); i++) {
                    gather(tensors.get(i), s.tensor(i), state[i], b, batch);
                }
            }
            long start = System.nanoTime();
            EmotionModel.Output out = model.run(x, batch, frames, state);
            calls++;
            onCall.onCall(batch, System.nanoTime() - start);
            for (int b = 0; b < batch; b++) {
                StreamState s = ready.get(b);
                for (int i = 0; i < tensors.size(); i++) {
                    scatter(tensors.get(i), out.state()[i], s.tensor(i), b, batch);
                }
                long first = s.stepsDone();
                s.consume(frames, steps);
                for (int t = 0; t < steps; t++) {
                    System.arraycopy(out.probabilities(), (b * steps + t) * classes, probs, 0, classes);
                    listener.onStep(s, first + t, probs);
                }
            }
        }
    }

    /** Puts stream {@code b}'s tensor into a batched tensor whose batch axis may be inside (h is [layer][batch][hidden]). */
    static void gather(ModelDescriptor.StateTensor t, float[] stream, float[] batched, int b, int batch) {
        int inner = t.inner();
        for (int o = 0, outer = t.outer(); o < outer; o++) {
            System.arraycopy(stream, o * inner, batched, (o * batch + b) * inner, inner);
        }
    }

    static void scatter(ModelDescriptor.StateTensor t, float[] batched, float[] stream, int b, int batch) {
        int inner = t.inner();
        for (int o = 0, outer = t.outer(); o < outer; o++) {
            System.arraycopy(batched, (o * batch + b) * inner, stream, o * inner, inner);
        }
    }
}
