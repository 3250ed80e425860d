package dev.emostream.audio;

import java.io.IOException;
import java.io.InputStream;

/**
 * An input stream that counts its position and skips by reading, because
 * {@link InputStream#skip} on files may move past the end without saying so.
 */
final class RiffInput {
    private final InputStream in;
    private long position;
    private byte[] skipBuffer;

    RiffInput(InputStream in) {
        this.in = in;
    }

    long position() {
        return position;
    }

    /** Reads until {@code len} bytes or end of input; returns how many were read. */
    int readUpTo(byte[] b, int len) throws IOException {
        int n = in.readNBytes(b, 0, len);
        position += n;
        return n;
    }

    /** Discards up to {@code count} bytes; returns fewer only at end of input. */
    long skip(long count) throws IOException {
        if (skipBuffer == null) {
            skipBuffer = new byte[8192];
        }
        long remaining = count;
        while (remaining > 0) {
            int want = (int) Math.min(skipBuffer.length, remaining);
            int n = readUpTo(skipBuffer, want);
            remaining -= n;
            if (n < want) {
                break;
            }
        }
        return count - remaining;
    }
}
