package dev.emostream.stream;

import dev.emostream.audio.Encoding;
import dev.emostream.audio.Resampler;
import dev.emostream.features.FeaturePipeline;
import dev.emostream.features.StreamingFeatureExtractor;
import dev.emostream.model.ModelDescriptor;
import dev.emostream.model.StreamState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Everything the processor keeps about one live stream: its format, the DSP carry-over (resampler
 * and feature extractor), the model state with its queued feature frames, sequence tracking and
 * where the next event falls. {@link #toBytes()} is what the changelogged state store holds, so a
 * restarted or migrated task continues the stream exactly where it was.
 */
final class StreamSession {
    private static final int FORMAT = 1;

    /** Which frame completed which feature frames: for an event's last_sequence and frame_time. */
    record FrameMark(long featureFrames, long sequence, long timestamp) {
    }

    final String streamId;
    final String callId;
    final String role;
    final int sampleRate;
    final Encoding encoding;
    final int channels;
    /** Null once the stream has ended (the pipeline was flushed into the model state). */
    FeaturePipeline pipeline;
    final StreamState model;
    long lastSequence;
    long gaps;
    long lastFrameTime;
    long lastSeenWall;
    /** Non-null once the stream ended: end_of_stream or idle_timeout. */
    String endReason;
    long nextEventMs;
    long lastEventEndMs;
    float[] lastProbabilities;
    final Deque<FrameMark> marks = new ArrayDeque<>();

    StreamSession(String streamId, String callId, String role, int sampleRate, Encoding encoding, int channels,
                  FeaturePipeline pipeline, StreamState model) {
        this.streamId = streamId;
        this.callId = callId;
        this.role = role;
        this.sampleRate = sampleRate;
        this.encoding = encoding;
        this.channels = channels;
        this.pipeline = pipeline;
        this.model = model;
    }

    boolean ended() {
        return endReason != null;
    }

    /** Feature frames the stream has produced so far (stepped and queued). */
    long featureFrames(int framesPerStep) {
        return model.stepsDone() * framesPerStep + model.queuedFrames();
    }

    /** Audio taken, in ms of the stream. */
    long audioMs() {
        long samples = pipeline != null ? pipeline.samplesAccepted() : endedSamples;
        return samples * 1000 / sampleRate;
    }

    /** Input samples taken by a stream that has ended (its pipeline is gone). */
    long endedSamples;

    /** Ends the stream: the resampler's look-ahead is flushed, so its last frames join the model queue. */
    void end(String reason) {
        if (ended()) {
            return;
        }
        endedSamples = pipeline.samplesAccepted();
        pipeline.finish(model);
        pipeline = null;
        endReason = reason;
    }

    byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(FORMAT);
            out.writeUTF(streamId);
            writeNullable(out, callId);
            writeNullable(out, role);
            out.writeInt(sampleRate);
            out.writeUTF(encoding.name());
            out.writeInt(channels);
            out.writeLong(lastSequence);
            out.writeLong(gaps);
            out.writeLong(lastFrameTime);
            out.writeLong(lastSeenWall);
            writeNullable(out, endReason);
            out.writeLong(endedSamples);
            out.writeLong(nextEventMs);
            out.writeLong(lastEventEndMs);
            writeFloats(out, lastProbabilities);
            out.writeInt(marks.size());
            for (FrameMark m : marks) {
                out.writeLong(m.featureFrames());
                out.writeLong(m.sequence());
                out.writeLong(m.timestamp());
            }
            out.writeBoolean(pipeline != null);
            if (pipeline != null) {
                FeaturePipeline.Snapshot s = pipeline.snapshot();
                out.writeLong(s.samplesAccepted());
                out.writeBoolean(s.resampler() != null);
                if (s.resampler() != null) {
                    out.writeLong(s.resampler().inputConsumed());
                    out.writeLong(s.resampler().outputWritten());
                    writeFloats(out, s.resampler().history());
                }
                writeFloats(out, s.extractor().pending());
                out.writeLong(s.extractor().framesEmitted());
                out.writeLong(s.extractor().samplesAccepted());
            }
            byte[] state = model.toBytes();
            out.writeInt(state.length);
            out.write(state);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    /**
     * Restores a session written by {@link #toBytes()}.
     *
     * @throws IllegalArgumentException if the bytes are not a session of this format and model
     */
    static StreamSession fromBytes(byte[] bytes, ModelDescriptor descriptor, int maxQueuedFrames) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IllegalArgumentException("stream state format " + format + ", this build reads " + FORMAT);
            }
            String streamId = in.readUTF();
            String callId = readNullable(in);
            String role = readNullable(in);
            int sampleRate = in.readInt();
            Encoding encoding = Encoding.valueOf(in.readUTF());
            int channels = in.readInt();
            long lastSequence = in.readLong();
            long gaps = in.readLong();
            long lastFrameTime = in.readLong();
            long lastSeenWall = in.readLong();
            String endReason = readNullable(in);
            long endedSamples = in.readLong();
            long nextEventMs = in.readLong();
            long lastEventEndMs = in.readLong();
            float[] lastProbabilities = readFloats(in);
            int markCount = in.readInt();
            Deque<FrameMark> marks = new ArrayDeque<>();
            for (int i = 0; i < markCount; i++) {
                marks.add(new FrameMark(in.readLong(), in.readLong(), in.readLong()));
            }
            FeaturePipeline pipeline = null;
            if (in.readBoolean()) {
                pipeline = new FeaturePipeline(descriptor.featureSpec(), sampleRate);
                long samplesAccepted = in.readLong();
                Resampler.Snapshot resampler = null;
                if (in.readBoolean()) {
                    long consumed = in.readLong();
                    long written = in.readLong();
                    resampler = new Resampler.Snapshot(sampleRate, descriptor.featureSpec().sampleRate(), consumed,
                            written, readFloats(in));
                }
                StreamingFeatureExtractor.Snapshot extractor =
                        new StreamingFeatureExtractor.Snapshot(readFloats(in), in.readLong(), in.readLong());
                pipeline.restore(new FeaturePipeline.Snapshot(sampleRate, descriptor.featureSpec(), samplesAccepted,
                        resampler, extractor));
            }
            byte[] state = new byte[in.readInt()];
            in.readFully(state);
            if (in.read() != -1) {
                throw new IllegalArgumentException("stream state has bytes after its end");
            }
            StreamSession s = new StreamSession(streamId, callId, role, sampleRate, encoding, channels, pipeline,
                    StreamState.fromBytes(state, descriptor, maxQueuedFrames));
            s.lastSequence = lastSequence;
            s.gaps = gaps;
            s.lastFrameTime = lastFrameTime;
            s.lastSeenWall = lastSeenWall;
            s.endReason = endReason;
            s.endedSamples = endedSamples;
            s.nextEventMs = nextEventMs;
            s.lastEventEndMs = lastEventEndMs;
            s.lastProbabilities = lastProbabilities;
            s.marks.addAll(marks);
            return s;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("unreadable stream state (" + bytes.length + " bytes): " + e.getMessage(), e);
        }
    }

    private static void writeNullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        if (values == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(values.length);
        for (float v : values) {
            out.writeFloat(v);
        }
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > in.available() / 4) {
            throw new IOException("array of " + n + " floats in " + in.available() + " bytes left");
        }
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = in.readFloat();
        }
        return values;
    }
}
