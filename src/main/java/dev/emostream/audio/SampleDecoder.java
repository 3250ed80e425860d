package dev.emostream.audio;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Decodes interleaved sample bytes to floats in the nominal range [-1, 1].
 *
 * <ul>
 *   <li>{@link Encoding#S16LE}: {@code s / 32768}, so -32768 maps to exactly -1.</li>
 *   <li>{@link Encoding#F32LE}: the value itself. Values outside [-1, 1] up to
 *       {@link #MAX_F32_MAGNITUDE} are kept (clipping is the consumer's decision); NaN, infinities
 *       and values beyond that are rejected.</li>
 *   <li>{@link Encoding#MULAW}, {@link Encoding#ALAW}: the G.711 16-bit value / 32768.</li>
 * </ul>
 *
 * <p>Decoding allocates nothing, so it can run per record on a hot stream path.
 */
public final class SampleDecoder {

    /**
     * Largest f32le sample magnitude taken: 60 dB over full scale, far above any real audio's
     * headroom and far below what would overflow the float sums of the filters downstream.
     */
    public static final float MAX_F32_MAGNITUDE = 1000f;

    private static final float INV_32768 = 1f / 32768f; // exact: a power of two
    private static final VarHandle SHORT_LE =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private SampleDecoder() {
    }

    /**
     * Decodes {@code len} bytes of {@code src} starting at {@code off} into {@code dst} starting
     * at {@code dstOff}.
     *
     * @return the number of samples written, {@code len / enc.bytesPerSample()}
     * @throws AudioFormatException if {@code len} is not a whole number of samples
     * @throws NonFiniteSampleException if an F32LE sample is NaN or infinite; its index counts
     *         samples from {@code off}. Samples before it have already been written to dst.
     * @throws SampleOutOfRangeException if an F32LE sample's magnitude is over {@link #MAX_F32_MAGNITUDE}
     *         (index and samples before it as above)
     * @throws IndexOutOfBoundsException if the ranges do not fit the arrays
     */
    public static int decode(Encoding enc, byte[] src, int off, int len, float[] dst, int dstOff) {
        Objects.checkFromIndexSize(off, len, src.length);
        int bytesPerSample = enc.bytesPerSample();
        if (len % bytesPerSample != 0) {
            throw new AudioFormatException(len + " bytes of " + enc + " is not a whole number of samples: "
                    + "each sample is " + bytesPerSample + " bytes, " + (len % bytesPerSample) + " byte(s) left over");
        }
        int samples = len / bytesPerSample;
        Objects.checkFromIndexSize(dstOff, samples, dst.length);
        switch (enc) {
            case S16LE:
                for (int i = 0; i < samples; i++) {
                    dst[dstOff + i] = (short) SHORT_LE.get(src, off + 2 * i) * INV_32768;
                }
                break;
            case F32LE:
                for (int i = 0; i < samples; i++) {
                    float value = Float.intBitsToFloat((int) INT_LE.get(src, off + 4 * i));
                    if (!(Math.abs(value) <= MAX_F32_MAGNITUDE)) {
                        if (!Float.isFinite(value)) {
                            throw new NonFiniteSampleException(i, value);
                        }
                        throw new SampleOutOfRangeException(i, value);
                    }
                    dst[dstOff + i] = value;
                }
                break;
            case MULAW:
                for (int i = 0; i < samples; i++) {
                    dst[dstOff + i] = G711.ulawToLinear(src[off + i]) * INV_32768;
                }
                break;
            case ALAW:
                for (int i = 0; i < samples; i++) {
                    dst[dstOff + i] = G711.alawToLinear(src[off + i]) * INV_32768;
                }
                break;
            default:
                throw new AssertionError("encoding without a decoder: " + enc);
        }
        return samples;
    }
}
