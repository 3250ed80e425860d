package dev.emostream.model;

import dev.emostream.features.FrameSink;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * One stream's model state: its state tensors (the LSTM's h and c, and whatever else the model
 * carries), the feature frames waiting to fill a step, and how many steps have run. A small value that serialises to bytes for a state store. It is also the
 * {@link FrameSink} the stream's feature extractor writes into.
 *
 * <p>Queued frames are bounded (configurable): a stream that is fed faster than it is stepped is
 * refused, not allowed to grow without limit.
 */
public final class StreamState implements FrameSink {
    private static final int FORMAT = 1;
    /** The queue is one float array. */
    private static final long MAX_QUEUE_VALUES = Integer.MAX_VALUE - 8;

    /** The largest queue limit a stream of {@code featureCount}-value frames can have. */
    public static int maxQueuedFrames(int featureCount) {
        return (int) (MAX_QUEUE_VALUES / featureCount);
    }

    private final int featureCount;
    private final int maxQueuedFrames;
    private final float[][] tensors;
    private float[] queue;          // queued frames, row-major
    private int queuedFrames;
    private long stepsDone;

    public StreamState(ModelDescriptor descriptor, int maxQueuedFrames) {
        this(descriptor.featureSpec().featureCount(), sizes(descriptor), maxQueuedFrames);
        if (maxQueuedFrames < descriptor.framesPerStep()) {
            throw new IllegalArgumentException("maxQueuedFrames " + maxQueuedFrames + " can never hold one step of "
                    + descriptor.framesPerStep() + " frames");
        }
    }

    /** A queue of frames with no model state: for a consumer of gated frames that runs no model. */
    public static StreamState framesOnly(int featureCount, int maxQueuedFrames) {
        return new StreamState(featureCount, new int[0], maxQueuedFrames);
    }

    private static int[] sizes(ModelDescriptor descriptor) {
        return descriptor.state().stream().mapToInt(ModelDescriptor.StateTensor::size).toArray();
    }

    StreamState(int featureCount, int[] stateSizes, int maxQueuedFrames) {
        if (maxQueuedFrames < 1 || (long) maxQueuedFrames * featureCount > MAX_QUEUE_VALUES) {
            throw new IllegalArgumentException("maxQueuedFrames must be in [1, " + maxQueuedFrames(featureCount)
                    + "] for " + featureCount + " features per frame, got " + maxQueuedFrames);
        }
        this.featureCount = featureCount;
        this.maxQueuedFrames = maxQueuedFrames;
        this.tensors = new float[stateSizes.length][];
        for (int i = 0; i < stateSizes.length; i++) {
            tensors[i] = new float[stateSizes[i]];
        }
        this.queue = new float[Math.min(maxQueuedFrames, 64) * featureCount];
    }

    @Override
    public void accept(long frameIndex, float[] features) {
        accept(features, 0);
    }

    /** Queues the frame at {@code offset} of {@code src}. */
    public void accept(float[] src, int offset) {
        if (queuedFrames == maxQueuedFrames) {
            throw new ModelException("stream has " + maxQueuedFrames + " feature frames waiting for inference "
                    + "(the configured limit): it is fed faster than it is stepped");
        }
        int needed = (queuedFrames + 1) * featureCount;
        if (queue.length < needed) {
            queue = Arrays.copyOf(queue, Math.min(maxQueuedFrames * featureCount, Math.max(needed, queue.length * 2)));
        }
        System.arraycopy(src, offset, queue, queuedFrames * featureCount, featureCount);
        queuedFrames++;
    }

    /**
     * Hands the queued frames that fill whole steps to {@code sink} and removes them, as a model step
     * would: for a consumer without the model (the features of speech for training).
     *
     * @return the number of frames handed over
     */
    public int drainWholeSteps(int framesPerStep, FrameSink sink) {
        int frames = queuedFrames / framesPerStep * framesPerStep;
        float[] row = new float[featureCount];
        for (int i = 0; i < frames; i++) {
            System.arraycopy(queue, i * featureCount, row, 0, featureCount);
            sink.accept(i, row);
        }
        consume(frames, frames / framesPerStep);
        return frames;
    }

    /** Drops the queued frames (those that do not fill a step when an utterance ends). */
    public void dropQueuedFrames() {
        queuedFrames = 0;
    }

    /** Zeroes the state tensors: the model starts afresh, as at the start of a stream. */
    public void resetTensors() {
        for (float[] t : tensors) {
            Arrays.fill(t, 0f);
        }
    }

    public int queuedFrames() {
        return queuedFrames;
    }

    public long stepsDone() {
        return stepsDone;
    }

    /** State tensor {@code i} of this stream (no batch axis), as in the model descriptor's order. */
    float[] tensor(int i) {
        return tensors[i];
    }

    /** Copies the first {@code frames} queued frames into {@code dst} at {@code offset}. */
    void copyFrames(int frames, float[] dst, int offset) {
        System.arraycopy(queue, 0, dst, offset, frames * featureCount);
    }

    /** Drops {@code frames} consumed frames and records the steps they made. */
    void consume(int frames, int steps) {
        int remaining = queuedFrames - frames;
        System.arraycopy(queue, frames * featureCount, queue, 0, remaining * featureCount);
        queuedFrames = remaining;
        stepsDone += steps;
    }

    /**
     * The state as bytes, little-endian (the order of the machines it runs on, so the float arrays
     * are copied in bulk: this runs for every frame of every stream).
     */
    public byte[] toBytes() {
        ByteBuffer buf = ByteBuffer.allocate(serializedSize()).order(ByteOrder.LITTLE_ENDIAN);
        writeTo(buf);
        return buf.array();
    }

    /** Bytes {@link #writeTo} writes. */
    public int serializedSize() {
        int floats = queuedFrames * featureCount;
        for (float[] t : tensors) {
            floats += t.length;
        }
        return 4 * 4 + 8 + 4 * tensors.length + 4 * floats;
    }

    /** Writes the state at {@code buf}'s position, in its byte order (a stream session embeds it so). */
    public void writeTo(ByteBuffer buf) {
        buf.putInt(FORMAT).putInt(featureCount).putInt(tensors.length).putInt(queuedFrames).putLong(stepsDone);
        for (float[] t : tensors) {
            buf.putInt(t.length);
        }
        FloatBuffer out = buf.asFloatBuffer();
        for (float[] t : tensors) {
            out.put(t);
        }
        out.put(queue, 0, queuedFrames * featureCount);
        buf.position(buf.position() + 4 * out.position());
    }

    /** Restores a state written by {@link #toBytes()} for the same model. */
    public static StreamState fromBytes(byte[] bytes, ModelDescriptor descriptor, int maxQueuedFrames) {
        return readFrom(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), descriptor, maxQueuedFrames);
    }

    /**
     * Restores a state written by {@link #writeTo}: all of {@code buf}'s remaining bytes, in its byte
     * order, for the same model.
     */
    public static StreamState readFrom(ByteBuffer buf, ModelDescriptor descriptor, int maxQueuedFrames) {
        StreamState state = new StreamState(descriptor, maxQueuedFrames);
        int size = buf.remaining();
        try {
            int format = buf.getInt();
            int featureCount = buf.getInt();
            int count = buf.getInt();
            int queued = buf.getInt();
            long steps = buf.getLong();
            boolean fits = format == FORMAT && featureCount == state.featureCount && count == state.tensors.length
                    && queued >= 0 && queued <= maxQueuedFrames && steps >= 0;
            long floats = (long) queued * featureCount;
            for (int i = 0; fits && i < count; i++) {
                fits = buf.getInt() == state.tensors[i].length;
                floats += state.tensors[i].length;
            }
            if (!fits) {
                throw new ModelException("stream state (format " + format + ", " + featureCount + " features, "
                        + count + " tensors, " + queued + " frames, " + steps + " steps) does not fit model "
                        + descriptor.modelVersion());
            }
            // Check the length before allocating anything it declares.
            if (buf.remaining() != 4 * floats) {
                throw new ModelException("stream state holds " + buf.remaining() + " bytes of values, its header "
                        + "declares " + 4 * floats);
            }
            state.stepsDone = steps;
            FloatBuffer in = buf.asFloatBuffer();
            for (float[] t : state.tensors) {
                in.get(t);
            }
            state.queue = new float[Math.max(state.queue.length, queued * featureCount)];
            in.get(state.queue, 0, queued * featureCount);
            state.queuedFrames = queued;
            buf.position(buf.limit());
            return state;
        } catch (BufferUnderflowException e) {
            throw new ModelException("stream state of " + size + " bytes is truncated", e);
        }
    }
}
