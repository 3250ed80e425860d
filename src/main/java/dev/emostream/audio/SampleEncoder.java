package dev.emostream.audio;

import java.util.Objects;

/**
 * Encodes float samples to bytes: the inverse of {@link SampleDecoder}. S16LE, mu-law and A-law
 * scale by 32768, round to nearest (ties toward positive infinity) and clip to -32768..32767, so
 * decoding and re-encoding 16-bit audio gives the same bytes; F32LE stores the value as is.
 */
public final class SampleEncoder {
    private SampleEncoder() {
    }

    /**
     * Writes {@code count} samples of {@code src} from {@code off} to {@code dst} from {@code dstOff}.
     *
     * @return bytes written, {@code count * enc.bytesPerSample()}
     */
    public static int encode(Encoding enc, float[] src, int off, int count, byte[] dst, int dstOff) {
        Objects.checkFromIndexSize(off, count, src.length);
        int bytesPerSample = enc.bytesPerSample();
        Objects.checkFromIndexSize(dstOff, count * bytesPerSample, dst.length);
        for (int i = 0; i < count; i++) {
            float x = src[off + i];
            int at = dstOff + i * bytesPerSample;
            switch (enc) {
                case S16LE: {
                    short s = toS16(x);
                    dst[at] = (byte) s;
                    dst[at + 1] = (byte) (s >> 8);
                    break;
                }
                case F32LE: {
                    int bits = Float.floatToRawIntBits(x);
                    dst[at] = (byte) bits;
                    dst[at + 1] = (byte) (bits >> 8);
                    dst[at + 2] = (byte) (bits >> 16);
                    dst[at + 3] = (byte) (bits >> 24);
                    break;
                }
                case MULAW:
                    dst[at] = G711.linearToUlaw(toS16(x));
                    break;
                case ALAW:
                    dst[at] = G711.linearToAlaw(toS16(x));
                    break;
                default:
                    throw new AssertionError("encoding without an encoder: " + enc);
            }
        }
        return count * bytesPerSample;
    }

    /** Scales by 32768, rounds and clips: the inverse of the decoder's division by 32768. */
    static short toS16(float x) {
        int rounded = Math.round(x * 32768f);
        return (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, rounded));
    }
}
