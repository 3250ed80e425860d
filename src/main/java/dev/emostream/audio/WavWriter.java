package dev.emostream.audio;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes float samples as a RIFF/WAVE file in any {@link Encoding}, so every format
 * {@link WavReader} accepts can be produced (test fixtures, the demo signal generator, the CLI).
 *
 * <p>Layout: 16-bit PCM gets the classic 16-byte fmt chunk (format tag 1). The non-PCM formats
 * (IEEE float, tag 3; A-law, tag 6; mu-law, tag 7) get an 18-byte fmt chunk with an empty
 * extension and a fact chunk holding the frame count, as the WAVE specification asks of
 * non-PCM data. An odd-sized data chunk is followed by a pad byte.
 *
 * <p>Conversion: S16LE, mu-law and A-law scale by 32768, round to nearest (ties toward
 * positive infinity) and clip to -32768..32767, which inverts {@link SampleDecoder} exactly
 * for samples it produced; G.711 then compands that 16-bit value. F32LE stores the floats
 * bit for bit. NaN and infinite samples are refused because the reader would refuse the file.
 */
public final class WavWriter {

    private static final int WRITE_BUFFER_BYTES = 64 * 1024;
    private static final long MAX_RIFF_SIZE = 0xFFFF_FFFFL;

    private WavWriter() {
    }

    /** Writes {@code interleaved} (frames of {@code channels} samples) to a new or truncated file. */
    public static void write(Path file, float[] interleaved, int channels, int sampleRate, Encoding encoding)
            throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            write(out, interleaved, channels, sampleRate, encoding);
        }
    }

    /** Writes a whole WAV file to {@code out}, which is flushed but left open. */
    public static void write(OutputStream out, float[] interleaved, int channels, int sampleRate, Encoding encoding)
            throws IOException {
        validate(interleaved, channels, sampleRate);
        out.write(header(interleaved.length, channels, sampleRate, encoding));
        writeSamples(out, interleaved, encoding);
        long dataBytes = (long) interleaved.length * encoding.bytesPerSample();
        if ((dataBytes & 1) != 0) {
            out.write(0); // RIFF pad byte
        }
        out.flush();
    }

    /** The complete WAV file as bytes. */
    public static byte[] toBytes(float[] interleaved, int channels, int sampleRate, Encoding encoding) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(out, interleaved, channels, sampleRate, encoding);
        } catch (IOException e) {
            throw new UncheckedIOException("ByteArrayOutputStream does not throw", e);
        }
        return out.toByteArray();
    }

    private static void validate(float[] interleaved, int channels, int sampleRate) {
        if (channels < 1 || channels > 0xFFFF) {
            throw new IllegalArgumentException("channel count must be in 1..65535, got " + channels);
        }
        if (sampleRate < 1) {
            throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
        }
        if (interleaved.length % channels != 0) {
            throw new IllegalArgumentException(interleaved.length + " samples do not divide into frames of "
                    + channels + " channels");
        }
        for (int i = 0; i < interleaved.length; i++) {
            if (!Float.isFinite(interleaved[i])) {
                throw new IllegalArgumentException("sample " + i + " is " + interleaved[i]
                        + "; only finite samples can be written");
            }
        }
    }

    private static byte[] header(int sampleCount, int channels, int sampleRate, Encoding encoding) {
        boolean pcm = encoding == Encoding.S16LE;
        int bytesPerSample = encoding.bytesPerSample();
        int blockAlign = channels * bytesPerSample;
        long dataBytes = (long) sampleCount * bytesPerSample;
        int fmtBytes = pcm ? 16 : 18;
        int factChunkBytes = pcm ? 0 : 8 + 4;
        long riffSize = 4 + (8 + fmtBytes) + factChunkBytes + 8 + dataBytes + (dataBytes & 1);
        if (riffSize > MAX_RIFF_SIZE) {
            throw new IllegalArgumentException(dataBytes + " bytes of samples do not fit a WAV file (4 GiB limit)");
        }
        long byteRate = (long) sampleRate * blockAlign;
        if (byteRate > MAX_RIFF_SIZE) {
            throw new IllegalArgumentException("byte rate " + byteRate + " does not fit the 32-bit fmt field");
        }

        LittleEndianBytes h = new LittleEndianBytes(12 + 8 + fmtBytes + factChunkBytes + 8);
        h.ascii("RIFF").u32(riffSize).ascii("WAVE");
        h.ascii("fmt ").u32(fmtBytes)
                .u16(formatTag(encoding)).u16(channels).u32(sampleRate).u32(byteRate)
                .u16(blockAlign).u16(bytesPerSample * 8);
        if (!pcm) {
            h.u16(0); // cbSize: no format-specific extension
            h.ascii("fact").u32(4).u32(sampleCount / channels);
        }
        h.ascii("data").u32(dataBytes);
        return h.bytes;
    }

    private static int formatTag(Encoding encoding) {
        switch (encoding) {
            case S16LE: return 1;
            case F32LE: return 3;
            case ALAW: return 6;
            case MULAW: return 7;
            default: throw new AssertionError("encoding without a WAV format tag: " + encoding);
        }
    }

    private static void writeSamples(OutputStream out, float[] samples, Encoding encoding) throws IOException {
        byte[] buffer = new byte[WRITE_BUFFER_BYTES];
        int perBuffer = buffer.length / encoding.bytesPerSample();
        for (int start = 0; start < samples.length; start += perBuffer) {
            int count = Math.min(perBuffer, samples.length - start);
            out.write(buffer, 0, SampleEncoder.encode(encoding, samples, start, count, buffer, 0));
        }
    }

    /** A fixed-size little-endian byte builder for the header. */
    private static final class LittleEndianBytes {
        final byte[] bytes;
        private int at;

        LittleEndianBytes(int size) {
            bytes = new byte[size];
        }

        LittleEndianBytes ascii(String fourCc) {
            for (int i = 0; i < 4; i++) {
                bytes[at++] = (byte) fourCc.charAt(i);
            }
            return this;
        }

        LittleEndianBytes u16(int v) {
            bytes[at++] = (byte) v;
            bytes[at++] = (byte) (v >> 8);
            return this;
        }

        LittleEndianBytes u32(long v) {
            bytes[at++] = (byte) v;
            bytes[at++] = (byte) (v >> 8);
            bytes[at++] = (byte) (v >> 16);
            bytes[at++] = (byte) (v >> 24);
            return this;
        }
    }
}
