package dev.emostream.audio;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads little-endian RIFF/WAVE files, whole into {@link WavAudio} or block by block through a
 * {@link WavStream}; both apply the same rules and limits (read is built on the stream).
 *
 * <p>Supported sample formats: 16-bit integer PCM (format tag 1), 32-bit IEEE float (tag 3),
 * 8-bit A-law (tag 6) and 8-bit mu-law (tag 7), each also as the sub-format of
 * WAVE_FORMAT_EXTENSIBLE (tag 0xFFFE). Everything else (8/24/32-bit integer PCM, 64-bit float,
 * ADPCM, big-endian RIFX, RF64, ...) is rejected with an {@link AudioFormatException} that names
 * what was found and what is supported.
 *
 * <p>The file is untrusted input. Every declared size is checked against {@link Limits} before
 * it is acted on, and memory is only allocated for bytes actually read, so a header that
 * claims gigabytes in a 100-byte file fails fast instead of exhausting the heap. Any malformed
 * input ends in an {@link AudioFormatException}; {@link IOException} is left for real I/O failures.
 *
 * <p>Container rules, chosen to accept what common writers produce:
 * <ul>
 *   <li>Chunks other than {@code fmt } and {@code data} (LIST, fact, cue, ...) are skipped,
 *       including the pad byte that follows an odd-sized chunk.</li>
 *   <li>The {@code fmt } chunk must come before {@code data}; a stream cannot be rewound to
 *       find it later. Anything after the data chunk is ignored.</li>
 *   <li>The RIFF size field is not checked: streaming writers leave it 0 or 0xFFFFFFFF, and the
 *       data chunk size alone bounds what is read.</li>
 *   <li>A data size of 0xFFFFFFFF means "up to the end of the file", the placeholder streaming
 *       writers (e.g. ffmpeg writing to a pipe) use when the length is unknown. A data size of 0
 *       is taken literally: an empty recording.</li>
 *   <li>The byte rate field is not checked: it is redundant (rate times block align), some
 *       writers fill it in wrongly, and nothing here is computed from it.</li>
 * </ul>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class WavReader {

    /** Buffer of the file input stream. */
    private static final int READ_BUFFER_BYTES = 64 * 1024;
    /** Frames {@link #read} takes from the stream per call. */
    private static final int READ_BLOCK_FRAMES = 4096;
    /** Sample capacity to start with when the data size is not known to be present. */
    private static final int INITIAL_SAMPLE_CAPACITY = 64 * 1024;
    private static final long UNKNOWN_LENGTH = WavStream.UNKNOWN_LENGTH;
    private static final int FMT_MIN_BYTES = 16;
    private static final int FMT_EXTENSIBLE_BYTES = 40;
    private static final int EXTENSIBLE_CB_SIZE = 22;

    private static final int TAG_PCM = 0x0001;
    private static final int TAG_IEEE_FLOAT = 0x0003;
    private static final int TAG_ALAW = 0x0006;
    private static final int TAG_MULAW = 0x0007;
    private static final int TAG_EXTENSIBLE = 0xFFFE;
    /** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE GUID that wraps a classic format tag. */
    private static final byte[] SUBFORMAT_GUID_TAIL = {
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71};

    private static final String SUPPORTED = "supported: 16-bit integer PCM (tag 1), 32-bit IEEE float (tag 3),"
            + " 8-bit A-law (tag 6), 8-bit mu-law (tag 7), also as WAVE_FORMAT_EXTENSIBLE sub-formats";

    /**
     * Bounds on what a file may declare. Files beyond them are rejected before anything is
     * allocated for them.
     *
     * @param maxDataBytes  largest data chunk accepted; at most {@code Integer.MAX_VALUE - 8}
     *                      because the decoded samples live in one float array
     * @param maxChannels   largest channel count accepted
     * @param maxSampleRate largest sample rate accepted, in Hz
     */
    public record Limits(long maxDataBytes, int maxChannels, int maxSampleRate) {

        /** 1 GiB of data, 32 channels, 384 kHz. */
        public static final Limits DEFAULT = new Limits(1L << 30, 32, 384_000);

        private static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

        public Limits {
            if (maxDataBytes < 0 || maxDataBytes > MAX_ARRAY_LENGTH) {
                throw new IllegalArgumentException("maxDataBytes must be in 0.." + MAX_ARRAY_LENGTH
                        + ", got " + maxDataBytes);
            }
            if (maxChannels < 1 || maxChannels > 0xFFFF) {
                throw new IllegalArgumentException("maxChannels must be in 1..65535, got " + maxChannels);
            }
            if (maxSampleRate < 1) {
                throw new IllegalArgumentException("maxSampleRate must be positive, got " + maxSampleRate);
            }
        }

        public Limits withMaxDataBytes(long bytes) {
            return new Limits(bytes, maxChannels, maxSampleRate);
        }

        public Limits withMaxChannels(int channels) {
            return new Limits(maxDataBytes, channels, maxSampleRate);
        }

        public Limits withMaxSampleRate(int rate) {
            return new Limits(maxDataBytes, maxChannels, rate);
        }
    }

    private final Limits limits;

    /** A reader with {@link Limits#DEFAULT}. */
    public WavReader() {
        this(Limits.DEFAULT);
    }

    public WavReader(Limits limits) {
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /** Reads a WAV file into memory. For files of any length, {@link #open(Path)} streams them. */
    public WavAudio read(Path file) throws IOException {
        try (WavStream stream = open(file)) {
            return readAll(stream);
        }
    }

    /** Reads a WAV stream up to the end of its data chunk. The stream is left open. */
    public WavAudio read(InputStream in) throws IOException {
        return readAll(open(in));
    }

    /**
     * Opens a WAV file for reading block by block: the header is read and checked now, the data
     * as {@link WavStream#read} asks for it. The caller closes the stream.
     *
     * @throws java.nio.file.FileSystemException if the path is a directory, missing or unreadable
     */
    public WavStream open(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            // Opening a directory succeeds on Linux and only reading fails, with a vaguer message.
            throw new FileSystemException(file.toString(), null, "Is a directory");
        }
        // A regular file's size lets truncation show before reading and sizes read()'s array
        // exactly; a pipe or device (e.g. /dev/stdin) reports 0, so it is read like a stream.
        long length = Files.isRegularFile(file) ? Files.size(file) : UNKNOWN_LENGTH;
        InputStream in = new BufferedInputStream(Files.newInputStream(file), READ_BUFFER_BYTES);
        try {
            return open(in, length, in);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Opens a WAV stream for reading block by block; closing the result leaves {@code in} open. */
    public WavStream open(InputStream in) throws IOException {
        return open(in, UNKNOWN_LENGTH, null);
    }

    private WavStream open(InputStream stream, long totalLength, Closeable owned) throws IOException {
        RiffInput in = new RiffInput(stream);
        readRiffHeader(in);
        WavFormat format = null;
        while (true) {
            long chunkStart = in.position();
            byte[] header = new byte[8];
            int got = in.readUpTo(header, 8);
            if (got < 8) {
                if (got > 0) {
                    throw new AudioFormatException("truncated: chunk header at byte " + chunkStart
                            + " has only " + got + " of 8 bytes");
                }
                throw new AudioFormatException(format == null
                        ? "no fmt chunk: the file ends at byte " + chunkStart + " without one"
                        : "no data chunk: the file ends at byte " + chunkStart + " without one");
            }
            String id = fourCc(header, 0);
            long size = u32(header, 4);
            if (id.equals("fmt ")) {
                if (format != null) {
                    throw new AudioFormatException("second fmt chunk at byte " + chunkStart
                            + "; a WAV file has exactly one");
                }
                format = readFmt(in, size, chunkStart);
            } else if (id.equals("data")) {
                if (format == null) {
                    throw new AudioFormatException("data chunk at byte " + chunkStart
                            + " comes before any fmt chunk; fmt must precede data");
                }
                long present = totalLength == UNKNOWN_LENGTH ? UNKNOWN_LENGTH : totalLength - in.position();
                return new WavStream(in, format, size, present, limits.maxDataBytes(), owned);
            } else {
                skipChunk(in, id, size, chunkStart);
            }
        }
    }

    /** Reads the rest of {@code stream} into one array, allocating only for bytes known to be there. */
    private static WavAudio readAll(WavStream stream) throws IOException {
        int bytesPerSample = stream.encoding().bytesPerSample();
        long maxSamples = stream.byteBudget() / bytesPerSample;
        int capacity = stream.bytesPresent() != UNKNOWN_LENGTH
                ? (int) Math.max(0, Math.min(stream.bytesPresent() / bytesPerSample, maxSamples))
                : (int) Math.min(maxSamples, INITIAL_SAMPLE_CAPACITY);
        float[] samples = new float[capacity];
        float[] block = new float[READ_BLOCK_FRAMES * stream.channels()];
        int count = 0;
        int frames;
        while ((frames = stream.read(block, READ_BLOCK_FRAMES)) > 0) {
            int n = frames * stream.channels();
            samples = ensureCapacity(samples, count + n, maxSamples);
            System.arraycopy(block, 0, samples, count, n);
            count += n;
        }
        return new WavAudio(stream.sampleRate(), stream.channels(), stream.encoding(),
                count == samples.length ? samples : Arrays.copyOf(samples, count));
    }

    /** Grows by doubling, never beyond maxSamples, so memory follows the bytes actually read. */
    private static float[] ensureCapacity(float[] samples, int needed, long maxSamples) {
        if (needed <= samples.length) {
            return samples;
        }
        long grown = Math.max(needed, Math.min(2L * samples.length, maxSamples));
        return Arrays.copyOf(samples, (int) grown);
    }

    private static void readRiffHeader(RiffInput in) throws IOException {
        byte[] header = new byte[12];
        int got = in.readUpTo(header, 12);
        if (got >= 4) {
            String magic = fourCc(header, 0);
            if (magic.equals("RIFX")) {
                throw new AudioFormatException("big-endian RIFX files are not supported; only little-endian RIFF/WAVE");
            }
            if (magic.equals("RF64") || magic.equals("BW64")) {
                throw new AudioFormatException(magic + " (64-bit WAV) files are not supported; only RIFF/WAVE");
            }
            if (!magic.equals("RIFF")) {
                throw new AudioFormatException("not a RIFF/WAVE file: starts with " + describeBytes(header, 4)
                        + " instead of 'RIFF'");
            }
        }
        if (got < 12) {
            throw new AudioFormatException("truncated: " + got + " bytes, shorter than the 12-byte RIFF/WAVE header");
        }
        String form = fourCc(header, 8);
        if (!form.equals("WAVE")) {
            throw new AudioFormatException("not a WAVE file: RIFF form type is " + describeBytes(Arrays.copyOfRange(header, 8, 12), 4)
                    + " instead of 'WAVE'");
        }
    }

    private WavFormat readFmt(RiffInput in, long size, long chunkStart) throws IOException {
        if (size < FMT_MIN_BYTES) {
            throw new AudioFormatException("fmt chunk too small: " + size + " bytes, need at least " + FMT_MIN_BYTES);
        }
        // Read what the formats here need and skip the rest, whatever size is declared.
        int wanted = (int) Math.min(size, FMT_EXTENSIBLE_BYTES);
        byte[] fmt = new byte[wanted];
        int got = in.readUpTo(fmt, wanted);
        if (got < wanted) {
            throw new AudioFormatException("truncated: fmt chunk at byte " + chunkStart + " declares " + size
                    + " bytes, the file ends after " + got);
        }
        skipExactly(in, size - wanted + (size & 1), "fmt", size, chunkStart);

        int tag = u16(fmt, 0);
        int channels = u16(fmt, 2);
        long sampleRate = u32(fmt, 4);
        int blockAlign = u16(fmt, 12);
        int bitsPerSample = u16(fmt, 14);

        Encoding encoding = tag == TAG_EXTENSIBLE
                ? extensibleEncoding(fmt, size, bitsPerSample)
                : plainEncoding(tag, bitsPerSample);

        if (channels == 0) {
            throw new AudioFormatException("fmt chunk declares 0 channels");
        }
        if (channels > limits.maxChannels()) {
            throw new AudioFormatException("fmt chunk declares " + channels + " channels, more than the limit of "
                    + limits.maxChannels());
        }
        if (sampleRate == 0) {
            throw new AudioFormatException("fmt chunk declares a sample rate of 0 Hz");
        }
        if (sampleRate > limits.maxSampleRate()) {
            throw new AudioFormatException("fmt chunk declares a sample rate of " + sampleRate
                    + " Hz, more than the limit of " + limits.maxSampleRate() + " Hz");
        }
        int expectedBlockAlign = channels * encoding.bytesPerSample();
        if (blockAlign != expectedBlockAlign) {
            throw new AudioFormatException("block align inconsistent: fmt chunk says " + blockAlign + " bytes per frame, "
                    + channels + " channel(s) of " + bitsPerSample + "-bit samples take " + expectedBlockAlign);
        }
        return new WavFormat(encoding, channels, (int) sampleRate, blockAlign);
    }

    private static Encoding extensibleEncoding(byte[] fmt, long size, int bitsPerSample) {
        if (size < FMT_EXTENSIBLE_BYTES) {
            throw new AudioFormatException("fmt chunk too small for WAVE_FORMAT_EXTENSIBLE: " + size
                    + " bytes, need " + FMT_EXTENSIBLE_BYTES);
        }
        int cbSize = u16(fmt, 16);
        if (cbSize < EXTENSIBLE_CB_SIZE) {
            throw new AudioFormatException("WAVE_FORMAT_EXTENSIBLE fmt chunk declares an extension of " + cbSize
                    + " bytes, need " + EXTENSIBLE_CB_SIZE);
        }
        int validBits = u16(fmt, 18);
        if (!Arrays.equals(fmt, 26, 40, SUBFORMAT_GUID_TAIL, 0, SUBFORMAT_GUID_TAIL.length)) {
            throw new AudioFormatException("unsupported WAV format: WAVE_FORMAT_EXTENSIBLE with sub-format GUID "
                    + guid(fmt, 24) + "; " + SUPPORTED);
        }
        int subTag = u16(fmt, 24);
        Encoding encoding = encodingOf(subTag, bitsPerSample);
        if (encoding == null) {
            throw new AudioFormatException("unsupported WAV format: " + describeFormat(subTag, bitsPerSample)
                    + " (WAVE_FORMAT_EXTENSIBLE sub-format tag " + hex(subTag) + "); " + SUPPORTED);
        }
        // Fewer valid bits sit left-justified in the container, so decoding the container is
        // still right; more valid bits than the container holds is a contradiction. 0 is what
        // some writers put when every bit is valid.
        if (validBits > bitsPerSample) {
            throw new AudioFormatException("WAVE_FORMAT_EXTENSIBLE declares " + validBits
                    + " valid bits in a " + bitsPerSample + "-bit sample");
        }
        return encoding;
    }

    private static Encoding plainEncoding(int tag, int bitsPerSample) {
        Encoding encoding = encodingOf(tag, bitsPerSample);
        if (encoding == null) {
            throw new AudioFormatException("unsupported WAV format: " + describeFormat(tag, bitsPerSample)
                    + " (format tag " + hex(tag) + "); " + SUPPORTED);
        }
        return encoding;
    }

    /** The encoding a format tag and sample size stand for, or null if unsupported. */
    private static Encoding encodingOf(int tag, int bitsPerSample) {
        switch (tag) {
            case TAG_PCM: return bitsPerSample == 16 ? Encoding.S16LE : null;
            case TAG_IEEE_FLOAT: return bitsPerSample == 32 ? Encoding.F32LE : null;
            case TAG_ALAW: return bitsPerSample == 8 ? Encoding.ALAW : null;
            case TAG_MULAW: return bitsPerSample == 8 ? Encoding.MULAW : null;
            default: return null;
        }
    }

    private static String describeFormat(int tag, int bitsPerSample) {
        switch (tag) {
            case TAG_PCM: return bitsPerSample + (bitsPerSample == 8 ? "-bit unsigned" : "-bit") + " integer PCM";
            case TAG_IEEE_FLOAT: return bitsPerSample + "-bit IEEE float";
            case TAG_ALAW: return bitsPerSample + "-bit A-law";
            case TAG_MULAW: return bitsPerSample + "-bit mu-law";
            case 0x0002: return "Microsoft ADPCM";
            case 0x0011: return "IMA ADPCM";
            case 0x0031: return "GSM 6.10";
            case 0x0050: return "MPEG audio";
            case 0x0055: return "MPEG Layer 3";
            default: return "format tag " + hex(tag) + ", " + bitsPerSample + " bits per sample";
        }
    }

    private static void skipChunk(RiffInput in, String id, long size, long chunkStart) throws IOException {
        skipExactly(in, size + (size & 1), id, size, chunkStart);
    }

    private static void skipExactly(RiffInput in, long count, String id, long size, long chunkStart) throws IOException {
        long skipped = in.skip(count);
        if (skipped < count) {
            // A missing pad byte after an odd-sized last chunk is harmless only if nothing follows,
            // but then the fmt or data chunk is missing anyway: report the truncation.
            throw new AudioFormatException("truncated: chunk '" + printable(id) + "' at byte " + chunkStart
                    + " declares " + size + " bytes, the file ends first");
        }
    }

    private static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }

    private static long u32(byte[] b, int off) {
        return (b[off] & 0xFFL) | (b[off + 1] & 0xFFL) << 8 | (b[off + 2] & 0xFFL) << 16 | (b[off + 3] & 0xFFL) << 24;
    }

    private static String fourCc(byte[] b, int off) {
        return new String(b, off, 4, StandardCharsets.ISO_8859_1);
    }

    private static String hex(int tag) {
        return String.format("0x%04X", tag);
    }

    private static String guid(byte[] b, int off) {
        return String.format("{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
                u32(b, off), u16(b, off + 4), u16(b, off + 6), b[off + 8], b[off + 9],
                b[off + 10], b[off + 11], b[off + 12], b[off + 13], b[off + 14], b[off + 15]);
    }

    /** The first bytes as quoted text if printable, as hex otherwise, for error messages. */
    private static String describeBytes(byte[] b, int count) {
        String text = new String(b, 0, count, StandardCharsets.ISO_8859_1);
        if (printable(text).equals(text)) {
            return "'" + text + "'";
        }
        StringBuilder hex = new StringBuilder("bytes");
        for (int i = 0; i < count; i++) {
            hex.append(String.format(" %02X", b[i]));
        }
        return hex.toString();
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            out.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return out.toString();
    }
}
