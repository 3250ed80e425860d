package dev.emostream.cli;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes a 2-D float32 array in NumPy's .npy format (version 1.0), which {@code numpy.load} reads
 * with no extra package. The format is a fixed magic, a Python-dict header padded to a multiple of
 * 64 bytes, and the raw little-endian data: too small to justify a dependency.
 *
 * <p>Rows are streamed: the header is written with a row count of 0 and rewritten with the real
 * count on {@link #commit}, so a writer needs memory for one row whatever the array's length. The
 * header is always {@value #HEADER_BYTES} bytes, which holds any count a long can express.
 *
 * <p>Atomic: rows go to a temporary file of a unique name beside the target, moved over it on
 * commit; a writer closed without commit deletes it. A reader never sees half a file, and two
 * writers never share a temporary file.
 */
final class NpyWriter implements Closeable {
    static final int HEADER_BYTES = 128;

    private final Path file;
    private final Path tmp;
    private final int cols;
    private final FileChannel channel;
    private final OutputStream out;
    private final ByteBuffer row;
    private long rows;
    private boolean committed;

    private NpyWriter(Path file, int cols) throws IOException {
        if (cols < 1) {
            throw new IllegalArgumentException("cols must be positive, got " + cols);
        }
        this.file = file;
        this.cols = cols;
        Path dir = file.toAbsolutePath().getParent();
        this.tmp = createTemp(dir, "." + file.getFileName() + ".");
        FileChannel opened = null;
        try {
            opened = FileChannel.open(tmp, StandardOpenOption.WRITE);
            this.channel = opened;
            this.out = new BufferedOutputStream(Channels.newOutputStream(opened), 1 << 16);
            out.write(header(0, cols));
        } catch (IOException | RuntimeException e) {
            if (opened != null) {
                opened.close();
            }
            Files.deleteIfExists(tmp);
            throw e;
        }
        this.row = ByteBuffer.allocate(cols * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Starts writing {@code file} (its directory must exist); nothing is there until {@link #commit}. */
    static NpyWriter create(Path file, int cols) throws IOException {
        return new NpyWriter(file, cols);
    }

    /** Writes {@code rows} (all of length {@code cols}) atomically. */
    static void write(Path file, float[][] rows, int cols) throws IOException {
        try (NpyWriter writer = create(file, cols)) {
            for (float[] r : rows) {
                writer.append(r);
            }
            writer.commit();
        }
    }

    /** Appends one row of {@code cols} values. */
    void append(float[] values) throws IOException {
        if (values.length != cols) {
            throw new IllegalArgumentException("row of " + values.length + " values, expected " + cols);
        }
        if (committed) {
            throw new IllegalStateException("already committed");
        }
        row.clear();
        row.asFloatBuffer().put(values);
        out.write(row.array());
        rows++;
    }

    /** Rows appended so far. */
    long rows() {
        return rows;
    }

    /** Completes the header with the row count and moves the file into place. */
    void commit() throws IOException {
        if (committed) {
            throw new IllegalStateException("already committed");
        }
        out.flush();
        ByteBuffer header = ByteBuffer.wrap(header(rows, cols));
        while (header.hasRemaining()) {
            channel.write(header, header.position());
        }
        channel.close();
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
    }

    /** Without a commit, discards what was written. */
    @Override
    public void close() throws IOException {
        if (committed) {
            return;
        }
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static byte[] header(long rows, int cols) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
        int preamble = 6 + 2 + 2; // magic, version, header length
        int padding = HEADER_BYTES - preamble - dict.length() - 1;
        if (padding < 0) {
            throw new IllegalArgumentException("shape (" + rows + ", " + cols + ") does not fit the header");
        }
        byte[] headerText = (dict + " ".repeat(padding) + "\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        buf.putShort((short) headerText.length).put(headerText);
        return buf.array();
    }

    /**
     * A temporary file created with the permissions an ordinary new file gets (rw-r--r--, less the
     * umask), not createTempFile's owner-only default: it becomes the output other users read.
     */
    private static Path createTemp(Path dir, String prefix) throws IOException {
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            FileAttribute<?> readable = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"));
            return Files.createTempFile(dir, prefix, ".tmp", readable);
        }
        return Files.createTempFile(dir, prefix, ".tmp");
    }
}
