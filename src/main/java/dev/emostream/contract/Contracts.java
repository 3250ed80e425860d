package dev.emostream.contract;

import dev.emostream.audio.Encoding;
import dev.emostream.audio.SampleEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Locale;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * The wire form of the contracts: Avro single-object encoding (marker, schema fingerprint, datum),
 * which needs no schema registry and lets a reader refuse, by fingerprint, data of a schema it does
 * not know. Also the producer side's frame building.
 */
public final class Contracts {
    static {
        // Avro 1.12 refuses to instantiate classes it does not trust while decoding; these are
        // the generated contract classes of this build.
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(),
                ClassSecurityValidator.builder().add(AudioFrame.class).add(EmotionEvent.class).build()));
    }

    private Contracts() {
    }

    public static byte[] encode(AudioFrame frame) {
        try {
            return bytes(frame.toByteBuffer());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode an AudioFrame", e);
        }
    }

    public static byte[] encode(EmotionEvent event) {
        try {
            return bytes(event.toByteBuffer());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode an EmotionEvent", e);
        }
    }

    /** @throws IOException if the bytes are not an AudioFrame of a known schema */
    public static AudioFrame decodeFrame(byte[] bytes) throws IOException {
        return AudioFrame.fromByteBuffer(ByteBuffer.wrap(bytes));
    }

    /** @throws IOException if the bytes are not an EmotionEvent of a known schema */
    public static EmotionEvent decodeEvent(byte[] bytes) throws IOException {
        return EmotionEvent.fromByteBuffer(ByteBuffer.wrap(bytes));
    }

    private static byte[] bytes(ByteBuffer buf) {
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
    }

    /**
     * A frame of {@code count} interleaved samples (all channels) encoded as {@code encoding}.
     */
    public static AudioFrame frame(String streamId, String callId, String role, long sequence, long captureTimeMs,
                                   int sampleRate, Encoding encoding, int channels, float[] samples, int off, int count,
                                   boolean endOfStream) {
        byte[] payload = new byte[count * encoding.bytesPerSample()];
        SampleEncoder.encode(encoding, samples, off, count, payload, 0);
        return AudioFrame.newBuilder()
                .setStreamId(streamId)
                .setCallId(callId)
                .setRole(role)
                .setSequence(sequence)
                .setCaptureTime(Instant.ofEpochMilli(captureTimeMs))
                .setSampleRate(sampleRate)
                .setEncoding(encoding.name().toLowerCase(Locale.ROOT))
                .setChannels(channels)
                .setPayload(ByteBuffer.wrap(payload))
                .setEndOfStream(endOfStream)
                .build();
    }
}
