package dev.emostream.audio;

import java.io.Closeable;
import java.io.IOException;
import java.util.Objects;

/**
 * The data chunk of a WAV file, decoded block by block, so a file of any length is processed in
 * memory of one block. {@link WavReader#open} parses the header and checks the declared data size
 * against the limits; this class applies the same rules to the data as {@link WavReader#read} does
 * (which is built on it): truncation, whole frames, the size limit of a data chunk that runs to the
 * end of the file, and finite f32le samples, each reported as an {@link AudioFormatException} when
 * the block that shows it is read. Blocks before it have been returned already.
 *
 * <p>Not thread-safe. Closing a stream opened on a path closes the file; closing one opened on an
 * {@link java.io.InputStream} leaves that stream open.
 */
public final class WavStream implements Closeable {
    /** Bytes read from the input per block, rounded down to whole frames. */
    private static final int BLOCK_BYTES = 64 * 1024;
    private static final long DATA_SIZE_TO_END_OF_FILE = 0xFFFF_FFFFL;
    static final long UNKNOWN_LENGTH = -1;

    private final RiffInput in;
    private final Closeable owned;
    private final WavFormat format;
    private final boolean toEndOfFile;
    private final long declaredBytes;
    private final long byteBudget;
    private final long bytesPresent;
    private final byte[] block;

    private long bytesRead;
    private long samplesDecoded;
    private boolean ended;

    /**
     * @param declaredBytes the data chunk's size field
     * @param bytesPresent  bytes from the start of the data to the end of the input, or
     *                      {@link #UNKNOWN_LENGTH} for a stream
     * @param owned         closed by {@link #close()}; null when the caller owns the input
     */
    WavStream(RiffInput in, WavFormat format, long declaredBytes, long bytesPresent, long maxDataBytes,
              Closeable owned) {
        this.in = in;
        this.owned = owned;
        this.format = format;
        this.toEndOfFile = declaredBytes == DATA_SIZE_TO_END_OF_FILE;
        this.declaredBytes = declaredBytes;
        this.bytesPresent = bytesPresent;
        if (!toEndOfFile) {
            if (declaredBytes % format.blockAlign() != 0) {
                throw new AudioFormatException("data chunk size " + declaredBytes + " is not a multiple of the block align "
                        + format.blockAlign() + " (" + format.channels() + " channel(s) of " + format.encoding() + ")");
            }
            if (declaredBytes > maxDataBytes) {
                throw new AudioFormatException("data chunk declares " + declaredBytes + " bytes, more than the limit of "
                        + maxDataBytes);
            }
            if (bytesPresent != UNKNOWN_LENGTH && declaredBytes > bytesPresent) {
                throw truncated(declaredBytes, bytesPresent);
            }
        }
        if (toEndOfFile && bytesPresent != UNKNOWN_LENGTH && bytesPresent > maxDataBytes) {
            // Known from the file's size: refused before anything is allocated for it.
            throw new AudioFormatException("data chunk runs to the end of the file (size 0xFFFFFFFF) and holds "
                    + bytesPresent + " bytes, more than the limit of " + maxDataBytes);
        }
        this.byteBudget = toEndOfFile ? maxDataBytes : declaredBytes;
        this.block = new byte[Math.max(1, BLOCK_BYTES / format.blockAlign()) * format.blockAlign()];
    }

    public int sampleRate() {
        return format.sampleRate();
    }

    /** Samples per frame. */
    public int channels() {
        return format.channels();
    }

    /** How the samples are stored in the file; {@link #read} always yields floats. */
    public Encoding encoding() {
        return format.encoding();
    }

    /**
     * Frames the data chunk declares, or -1 when it runs to the end of the file (size 0xFFFFFFFF,
     * written by streaming writers), where only reading tells. A stream that delivers fewer frames
     * than declared ends in a truncation error, never in a short count.
     */
    public long frames() {
        return toEndOfFile ? -1 : declaredBytes / format.blockAlign();
    }

    /** Frames returned by {@link #read} so far. */
    public long framesRead() {
        return samplesDecoded / format.channels();
    }

    /**
     * Decodes up to {@code maxFrames} frames into {@code interleaved} from index 0, frame by frame,
     * in the nominal range [-1, 1].
     *
     * @return the number of frames decoded, at least 1, or -1 once the data has ended
     * @throws AudioFormatException if the data is truncated, not whole frames, past the limit, or
     *         holds a non-finite f32le sample (a {@link NonFiniteSampleException} whose index counts
     *         samples from the start of the data) or one far beyond full scale ({@link SampleOutOfRangeException}, likewise)
     * @throws IllegalArgumentException if {@code maxFrames < 1}
     * @throws IndexOutOfBoundsException if {@code interleaved} holds fewer than {@code maxFrames} frames
     */
    public int read(float[] interleaved, int maxFrames) throws IOException {
        if (maxFrames < 1) {
            throw new IllegalArgumentException("maxFrames must be at least 1, got " + maxFrames);
        }
        Objects.checkFromIndexSize(0, (long) maxFrames * format.channels(), interleaved.length);
        if (ended) {
            return -1;
        }
        long want = Math.min(maxFrames, block.length / format.blockAlign()) * (long) format.blockAlign();
        long left = byteBudget - bytesRead;
        if (want > left) {
            // One byte past the budget tells data that runs to the end of the file from data that
            // is too long; a declared size is never read past.
            want = toEndOfFile ? left + 1 : left;
        }
        int got = in.readUpTo(block, (int) want);
        if (toEndOfFile && bytesRead + got > byteBudget) {
            throw new AudioFormatException("data chunk runs to the end of the file (size 0xFFFFFFFF) and holds more than the limit of "
                    + byteBudget + " bytes");
        }
        bytesRead += got;
        boolean endOfInput = got < want;
        if (endOfInput && !toEndOfFile) {
            throw truncated(declaredBytes, bytesRead);
        }
        if (endOfInput && bytesRead % format.blockAlign() != 0) {
            throw new AudioFormatException("data chunk runs to the end of the file (size 0xFFFFFFFF) but its "
                    + bytesRead + " bytes are not a multiple of the block align " + format.blockAlign());
        }
        ended = endOfInput || (!toEndOfFile && bytesRead == byteBudget);
        if (got == 0) {
            return -1;
        }
        int samples;
        try {
            samples = SampleDecoder.decode(format.encoding(), block, 0, got, interleaved, 0);
        } catch (UnusableSampleException e) {
            throw e.offsetBy(samplesDecoded);
        }
        samplesDecoded += samples;
        return samples / format.channels();
    }

    /** Most data bytes this stream can deliver: the declared size, or the limit when it runs to the end of the file. */
    long byteBudget() {
        return byteBudget;
    }

    /** Bytes known to be in the input from the data's start, or {@link #UNKNOWN_LENGTH}. */
    long bytesPresent() {
        return bytesPresent;
    }

    @Override
    public void close() throws IOException {
        if (owned != null) {
            owned.close();
        }
    }

    private static AudioFormatException truncated(long declared, long present) {
        return new AudioFormatException("truncated: data chunk declares " + declared + " bytes, only " + present + " present");
    }
}
