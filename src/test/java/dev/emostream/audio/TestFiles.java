package dev.emostream.audio;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** Access to the committed reference files under src/test/resources/audio and byte-level helpers. */
final class TestFiles {

    private TestFiles() {
    }

    static Path path(String relative) {
        URL url = TestFiles.class.getResource("/audio/" + relative);
        if (url == null) {
            throw new IllegalStateException("missing test resource audio/" + relative
                    + " (regenerate with src/test/resources/audio/make_reference.sh)");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(String relative) {
        try (InputStream in = TestFiles.class.getResourceAsStream("/audio/" + relative)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource audio/" + relative);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Raw little-endian 32-bit floats, as SoX writes them with -e floating-point -b 32 -L. */
    static float[] f32le(byte[] raw) {
        float[] out = new float[raw.length / 4];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    static long u32(byte[] b, int off) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(off) & 0xFFFF_FFFFL;
    }

    static int u16(byte[] b, int off) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getShort(off) & 0xFFFF;
    }

    static void putU32(byte[] b, int off, long v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(off, (int) v);
    }

    static void putU16(byte[] b, int off, int v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(off, (short) v);
    }

    /** Offset of the first chunk with this id (its 8-byte header), walking the RIFF chunk list. */
    static int chunkOffset(byte[] wav, String id) {
        int at = 12;
        while (at + 8 <= wav.length) {
            String found = new String(wav, at, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (found.equals(id)) {
                return at;
            }
            long size = u32(wav, at + 4);
            at += 8 + (int) (size + (size & 1));
        }
        throw new IllegalArgumentException("no '" + id + "' chunk");
    }
}
