package dev.emostream.stream;

import dev.emostream.audio.Encoding;
import dev.emostream.audio.Resampler;
import dev.emostream.features.FeaturePipeline;
import dev.emostream.features.StreamingFeatureExtractor;
import dev.emostream.model.ModelDescriptor;
import dev.emostream.model.StreamState;
import dev.emostream.vad.SpeechGate;
import dev.emostream.vad.VadSettings;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Everything the processor keeps about one live stream: its format, the DSP carry-over (resampler
 * and feature extractor), the model state with its queued feature frames, sequence tracking and
 * where the next event falls. {@link #toBytes()} is what the changelogged state store holds, so a
 * restarted or migrated task continues the stream exactly where it was.
 */
final class StreamSession {
    /**
     * 3: little-endian after the format number, the gate and model state written in place; 2 (read
     * only, what earlier builds wrote): the same layout big-endian, so a restarted or upgraded
     * service continues their streams too.
     */
    private static final int FORMAT = 3;
    private static final int FORMAT_BIG_ENDIAN = 2;

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
    /** Voice activity: which frames reach the model, and the current utterance. */
    final SpeechGate gate;
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
                  FeaturePipeline pipeline, StreamState model, SpeechGate gate) {
        this.streamId = streamId;
        this.callId = callId;
        this.role = role;
        this.sampleRate = sampleRate;
        this.encoding = encoding;
        this.channels = channels;
        this.pipeline = pipeline;
        this.model = model;
        this.gate = gate;
        this.frames = gate.sink(model);
        this.samples = gate.resampledTap();
    }

    /** Where the extractor's frames and the resampled audio go (made once: this runs for every frame). */
    private final dev.emostream.features.FrameSink frames;
    private final dev.emostream.features.SampleSink samples;

    /** Feeds mono samples at the stream's rate: features to the gate (or the model), 16 kHz audio to the VAD. */
    void accept(float[] samples, int count) {
        gate.acceptInput(samples, 0, count);
        pipeline.accept(samples, 0, count, frames, this.samples);
    }

    /** Whether the punctuator has work for this stream: a step, a VAD window, or an end. */
    boolean ready(int framesPerStep) {
        return ended() || model.queuedFrames() >= framesPerStep || gate.windowsReady() > 0;
    }

    /** Frames (and samples, in frames' worth) waiting for the VAD or for the model: what the queue limit bounds. */
    int waitingFrames() {
        return model.queuedFrames() + gate.storedFrameEquivalents();
    }

    boolean ended() {
        return endReason != null;
    }

    /** Feature frames the stream has produced so far. */
    long featureFrames() {
        return gate.framesIn();
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
        pipeline.finish(frames, samples);
        gate.finish();
        pipeline = null;
        endReason = reason;
    }

    /**
     * Ends the stream without passing the audio its resampler still holds to the extractor (a few
     * ms at most): for when that flush failed. The frames the gate and the model hold still run.
     */
    void endWithoutFlush(String reason) {
        if (ended()) {
            return;
        }
        endedSamples = pipeline.samplesAccepted();
        gate.finish();
        pipeline = null;
        endReason = reason;
    }

    byte[] toBytes() {
        FeaturePipeline.Snapshot snap = pipeline == null ? null : pipeline.snapshot();
        int stateSize = model.serializedSize();
        int gateSize = gate.serializedSize();
        byte[][] strings = {utf8(streamId), utf8(callId), utf8(role), utf8(encoding.name()), utf8(endReason)};
        int size = 4 + 4 * 2 + 8 * 7 + 4 + 4 * floats(lastProbabilities) + 4 + marks.size() * 24 + 1 + 4 + stateSize + 4 + gateSize;
        for (byte[] s : strings) {
            size += 4 + (s == null ? 0 : s.length);
        }
        if (snap != null) {
            size += 8 + 1 + 4 + 4 * snap.extractor().pending().length + 16;
            if (snap.resampler() != null) {
                size += 16 + 4 + 4 * snap.resampler().history().length;
            }
        }
        // One buffer, the machine's byte order (bulk float copies): this runs for every frame of every stream.
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putInt(FORMAT).order(ByteOrder.LITTLE_ENDIAN);
        putString(out, strings[0]);
        putString(out, strings[1]);
        putString(out, strings[2]);
        out.putInt(sampleRate);
        putString(out, strings[3]);
        out.putInt(channels);
        out.putLong(lastSequence).putLong(gaps).putLong(lastFrameTime).putLong(lastSeenWall);
        putString(out, strings[4]);
        out.putLong(endedSamples).putLong(nextEventMs).putLong(lastEventEndMs);
        putFloats(out, lastProbabilities);
        out.putInt(marks.size());
        for (FrameMark m : marks) {
            out.putLong(m.featureFrames()).putLong(m.sequence()).putLong(m.timestamp());
        }
        out.put((byte) (snap != null ? 1 : 0));
        if (snap != null) {
            out.putLong(snap.samplesAccepted());
            out.put((byte) (snap.resampler() != null ? 1 : 0));
            if (snap.resampler() != null) {
                out.putLong(snap.resampler().inputConsumed()).putLong(snap.resampler().outputWritten());
                putFloats(out, snap.resampler().history());
            }
            putFloats(out, snap.extractor().pending());
            out.putLong(snap.extractor().framesEmitted()).putLong(snap.extractor().samplesAccepted());
        }
        out.putInt(gateSize);
        gate.writeTo(out);
        out.putInt(stateSize);
        model.writeTo(out);
        if (out.hasRemaining()) {
            throw new IllegalStateException("stream state size miscounted by " + out.remaining() + " bytes");
        }
        return out.array();
    }

    /**
     * Restores a session written by {@link #toBytes()}.
     *
     * @throws IllegalArgumentException if the bytes are not a session of this format and model
     */
    static StreamSession fromBytes(byte[] bytes, ModelDescriptor descriptor, VadSettings vad, int maxQueuedFrames) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            int format = in.getInt();
            if (format != FORMAT && format != FORMAT_BIG_ENDIAN) {
                throw new IllegalArgumentException("stream state format " + format + ", this build reads " + FORMAT_BIG_ENDIAN
                        + " and " + FORMAT);
            }
            if (format == FORMAT) {
                in.order(ByteOrder.LITTLE_ENDIAN);
            }
            String streamId = getString(in);
            String callId = getString(in);
            String role = getString(in);
            int sampleRate = in.getInt();
            Encoding encoding = Encoding.valueOf(getString(in));
            int channels = in.getInt();
            long lastSequence = in.getLong();
            long gaps = in.getLong();
            long lastFrameTime = in.getLong();
            long lastSeenWall = in.getLong();
            String endReason = getString(in);
            long endedSamples = in.getLong();
            long nextEventMs = in.getLong();
            long lastEventEndMs = in.getLong();
            float[] lastProbabilities = getFloats(in);
            // Values later code divides by or loops over: a damaged state is refused here, not there.
            int classes = descriptor.labels().size();
            if (!Resampler.isSupportedRate(sampleRate) || channels < 1 || endedSamples < 0 || nextEventMs < 0
                    || lastEventEndMs < 0 || lastEventEndMs > nextEventMs
                    || lastProbabilities != null && lastProbabilities.length != classes) {
                throw new IllegalArgumentException("implausible values (" + sampleRate + " Hz, " + channels + " channels, "
                        + "next event at " + nextEventMs + " ms, last event ended at " + lastEventEndMs + " ms, "
                        + (lastProbabilities == null ? 0 : lastProbabilities.length) + " probabilities for a model of "
                        + classes + " labels)");
            }
            int markCount = in.getInt();
            if (markCount < 0 || markCount > in.remaining() / 24) {
                throw new IllegalArgumentException(markCount + " frame marks in " + in.remaining() + " bytes");
            }
            Deque<FrameMark> marks = new ArrayDeque<>();
            for (int i = 0; i < markCount; i++) {
                marks.add(new FrameMark(in.getLong(), in.getLong(), in.getLong()));
            }
            FeaturePipeline pipeline = null;
            if (in.get() != 0) {
                pipeline = new FeaturePipeline(descriptor.featureSpec(), sampleRate);
                long samplesAccepted = in.getLong();
                Resampler.Snapshot resampler = null;
                if (in.get() != 0) {
                    long consumed = in.getLong();
                    long written = in.getLong();
                    resampler = new Resampler.Snapshot(sampleRate, descriptor.featureSpec().sampleRate(), consumed,
                            written, getFloats(in));
                }
                StreamingFeatureExtractor.Snapshot extractor =
                        new StreamingFeatureExtractor.Snapshot(getFloats(in), in.getLong(), in.getLong());
                pipeline.restore(new FeaturePipeline.Snapshot(sampleRate, descriptor.featureSpec(), samplesAccepted,
                        resampler, extractor));
            }
            int gateLength = in.getInt();
            if (gateLength < 0 || gateLength > in.remaining()) {
                throw new IllegalArgumentException("gate state of " + gateLength + " bytes, " + in.remaining() + " left");
            }
            SpeechGate gate = SpeechGate.readFrom(part(in, gateLength), vad, descriptor.featureSpec(),
                    descriptor.framesPerStep(), maxQueuedFrames);
            int stateLength = in.getInt();
            if (stateLength != in.remaining()) {
                throw new IllegalArgumentException("model state of " + stateLength + " bytes, " + in.remaining() + " left");
            }
            StreamState state = StreamState.readFrom(part(in, stateLength), descriptor, maxQueuedFrames);
            if (gate.summedClasses() >= 0 && gate.summedClasses() != classes) {
                throw new IllegalArgumentException("the utterance's probabilities have " + gate.summedClasses()
                        + " labels, the model " + classes);
            }
            StreamSession s = new StreamSession(streamId, callId, role, sampleRate, encoding, channels, pipeline,
                    state, gate);
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
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unreadable stream state (" + bytes.length + " bytes): " + e, e);
        }
    }

    /** The next {@code length} bytes of {@code in} as a buffer of their own (same byte order); {@code in} moves past them. */
    private static ByteBuffer part(ByteBuffer in, int length) {
        ByteBuffer part = in.slice().limit(length).order(in.order());
        in.position(in.position() + length);
        return part;
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static void putString(ByteBuffer out, byte[] utf8) {
        out.putInt(utf8 == null ? -1 : utf8.length);
        if (utf8 != null) {
            out.put(utf8);
        }
    }

    private static String getString(ByteBuffer in) {
        int n = in.getInt();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > in.remaining()) {
            throw new IllegalArgumentException("string of " + n + " bytes in " + in.remaining());
        }
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static int floats(float[] values) {
        return values == null ? 0 : values.length;
    }

    private static void putFloats(ByteBuffer out, float[] values) {
        if (values == null) {
            out.putInt(-1);
            return;
        }
        out.putInt(values.length);
        out.asFloatBuffer().put(values);
        out.position(out.position() + 4 * values.length);
    }

    private static float[] getFloats(ByteBuffer in) {
        int n = in.getInt();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > in.remaining() / 4) {
            throw new IllegalArgumentException("array of " + n + " floats in " + in.remaining() + " bytes");
        }
        float[] values = new float[n];
        in.asFloatBuffer().get(values);
        in.position(in.position() + 4 * n);
        return values;
    }
}
