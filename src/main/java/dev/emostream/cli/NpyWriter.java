package dev.emostream.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a 2-D float32 array in NumPy's .npy format (version 1.0), which {@code numpy.load} reads
 * with no extra package. The format is a fixed magic, a Python-dict header padded to 64 bytes, and
 * the raw little-endian data: too small to justify a dependency.
 */
final class NpyWriter {
    private NpyWriter() {
    }

    /** Writes {@code rows} (all of length {@code cols}) atomically: a reader never sees half a file. */
    static void write(Path file, float[][] rows, int cols) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            out.write(header(rows.length, cols));
            ByteBuffer row = ByteBuffer.allocate(cols * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] r : rows) {
                if (r.length != cols) {
                    throw new IllegalArgumentException("row of " + r.length + " values, expected " + cols);
                }
                row.clear();
                row.asFloatBuffer().put(r);
                out.write(row.array());
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static byte[] header(int rows, int cols) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
        int preamble = 6 + 2 + 2; // magic, version, header length
        int total = preamble + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        StringBuilder text = new StringBuilder(dict);
        text.append(" ".repeat(padded - total)).append('\n');
        byte[] headerText = text.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buf = ByteBuffer.allocate(preamble + headerText.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        buf.putShort((short) headerText.length).put(headerText);
        return buf.array();
    }
}
