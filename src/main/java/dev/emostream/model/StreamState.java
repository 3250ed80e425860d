package dev.emostream.model;

import dev.emostream.features.FrameSink;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One stream's model state: the LSTM's (h, c), the feature frames waiting to fill a step, and how
 * many steps have run. A small value that serialises to bytes for a state store. It is also the
 * {@link FrameSink} the stream's feature extractor writes into.
 *
 * <p>Queued frames are bounded (configurable): a stream that is fed faster than it is stepped is
 * refused, not allowed to grow without limit.
 */
public final class StreamState implements FrameSink {
    private static final int FORMAT = 1;

    private final int featureCount;
    private final int maxQueuedFrames;
    private final float[] h;
    private final float[] c;
    private float[] queue;          // queued frames, row-major
    private int queuedFrames;
    private long stepsDone;

    public StreamState(ModelDescriptor descriptor, int maxQueuedFrames) {
        this(descriptor.featureSpec().featureCount(), descriptor.stateSize(), maxQueuedFrames);
    }

    StreamState(int featureCount, int stateSize, int maxQueuedFrames) {
        if (maxQueuedFrames < 1) {
            throw new IllegalArgumentException("maxQueuedFrames must be positive, got " + maxQueuedFrames);
        }
        this.featureCount = featureCount;
        this.maxQueuedFrames = maxQueuedFrames;
        this.h = new float[stateSize];
        this.c = new float[stateSize];
        this.queue = new float[Math.min(maxQueuedFrames, 64) * featureCount];
    }

    @Override
    public void accept(long frameIndex, float[] features) {
        if (queuedFrames == maxQueuedFrames) {
            throw new ModelException("stream has " + maxQueuedFrames + " feature frames waiting for inference "
                    + "(the configured limit): it is fed faster than it is stepped");
        }
        int needed = (queuedFrames + 1) * featureCount;
        if (queue.length < needed) {
            queue = Arrays.copyOf(queue, Math.min(maxQueuedFrames * featureCount, Math.max(needed, queue.length * 2)));
        }
        System.arraycopy(features, 0, queue, queuedFrames * featureCount, featureCount);
        queuedFrames++;
    }

    public int queuedFrames() {
        return queuedFrames;
    }

    public long stepsDone() {
        return stepsDone;
    }

    float[] h() {
        return h;
    }

    float[] c() {
        return c;
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

    public byte[] toBytes() {
        ByteBuffer buf = ByteBuffer.allocate(4 * 4 + 8 + 4 * (h.length + c.length + queuedFrames * featureCount));
        buf.putInt(FORMAT).putInt(featureCount).putInt(h.length).putInt(queuedFrames).putLong(stepsDone);
        buf.asFloatBuffer().put(h).put(c).put(queue, 0, queuedFrames * featureCount);
        return buf.array();
    }

    /** Restores a state written by {@link #toBytes()} for the same model. */
    public static StreamState fromBytes(byte[] bytes, ModelDescriptor descriptor, int maxQueuedFrames) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        int format = buf.getInt();
        int featureCount = buf.getInt();
        int stateSize = buf.getInt();
        int queued = buf.getInt();
        if (format != FORMAT || featureCount != descriptor.featureSpec().featureCount()
                || stateSize != descriptor.stateSize() || queued < 0 || queued > maxQueuedFrames) {
            throw new ModelException("stream state (format " + format + ", " + featureCount + " features, state "
                    + stateSize + ", " + queued + " frames) does not fit model " + descriptor.modelVersion());
        }
        StreamState state = new StreamState(descriptor, maxQueuedFrames);
        state.stepsDone = buf.getLong();
        java.nio.FloatBuffer floats = buf.asFloatBuffer();
        floats.get(state.h).get(state.c);
        state.queue = new float[Math.max(state.queue.length, queued * featureCount)];
        floats.get(state.queue, 0, queued * featureCount);
        state.queuedFrames = queued;
        return state;
    }
}
