package dev.emostream.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test-side .npy reader that checks the header the way numpy does (magic, alignment, dtype, shape). */
final class NpyReader {
    private static final Pattern SHAPE = Pattern.compile("'shape': \\((\\d+), (\\d+)\\)");

    private NpyReader() {
    }

    static float[][] read(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[6];
        buf.get(magic);
        if (magic[0] != (byte) 0x93 || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException("not an npy file");
        }
        if (buf.get() != 1 || buf.get() != 0) {
            throw new IOException("not npy version 1.0");
        }
        int headerLength = Short.toUnsignedInt(buf.getShort());
        if ((10 + headerLength) % 64 != 0) {
            throw new IOException("header not 64-byte aligned");
        }
        byte[] header = new byte[headerLength];
        buf.get(header);
        String text = new String(header, StandardCharsets.US_ASCII);
        if (!text.endsWith("\n") || !text.contains("'descr': '<f4'") || !text.contains("'fortran_order': False")) {
            throw new IOException("unexpected header " + text);
        }
        Matcher m = SHAPE.matcher(text);
        if (!m.find()) {
            throw new IOException("no 2-D shape in " + text);
        }
        int rows = Integer.parseInt(m.group(1));
        int cols = Integer.parseInt(m.group(2));
        if (buf.remaining() != rows * cols * 4) {
            throw new IOException("data holds " + buf.remaining() + " bytes, shape says " + rows * cols * 4);
        }
        float[][] out = new float[rows][cols];
        for (float[] row : out) {
            for (int c = 0; c < cols; c++) {
                row[c] = buf.getFloat();
            }
        }
        return out;
    }
}
