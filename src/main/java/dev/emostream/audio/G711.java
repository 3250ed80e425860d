package dev.emostream.audio;

/**
 * ITU-T G.711 mu-law and A-law companding between 8-bit codes and 16-bit linear samples.
 *
 * <p>The companding itself is the classic Sun Microsystems {@code g711.c} (the code libsox
 * uses): mu-law compresses a 14-bit linear value, A-law a 13-bit one, and decoding returns
 * the segment mid-point scaled back to 16 bits. Decoding is a lookup in 256-entry tables built
 * once from those formulas.
 *
 * <p>Encoding a 16-bit sample first has to drop 2 (mu-law) or 3 (A-law) low bits. Sun's
 * {@code linear2ulaw} truncates ({@code pcm >> 2}); SoX 14.4 rounds to the nearest 14- or
 * 13-bit value instead (its {@code SOX_SAMPLE_TO_UNSIGNED(14, ...)} adds half a step) and
 * saturates at the top. This class rounds like SoX, so its output matches the files SoX
 * writes and that the reference tests compare against. The two choices differ only for
 * inputs within one or two LSBs of a decision level (508 of the 65536 inputs for mu-law,
 * 1020 for A-law), and there by one quantisation step; rounding is the unbiased choice.
 */
public final class G711 {

    // Bias added to the magnitude before the mu-law segment search, in 14-bit units (0x84 >> 2).
    private static final int ULAW_BIAS_14 = 33;
    // Largest 14-bit magnitude mu-law represents; larger magnitudes saturate at the top code.
    private static final int ULAW_CLIP_14 = 8159;
    // Upper ends of the eight segments, mu-law (biased 14-bit) and A-law (13-bit magnitude).
    private static final int[] ULAW_SEGMENT_END = {0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF};
    private static final int[] ALAW_SEGMENT_END = {0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF};

    private static final short[] ULAW_TO_LINEAR = new short[256];
    private static final short[] ALAW_TO_LINEAR = new short[256];

    static {
        for (int code = 0; code < 256; code++) {
            ULAW_TO_LINEAR[code] = computeUlawToLinear(code);
            ALAW_TO_LINEAR[code] = computeAlawToLinear(code);
        }
    }

    private G711() {
    }

    /** Decodes a mu-law code to a 16-bit linear sample (range -32124 .. 32124). */
    public static short ulawToLinear(byte code) {
        return ULAW_TO_LINEAR[code & 0xFF];
    }

    /** Decodes an A-law code to a 16-bit linear sample (range -32256 .. 32256). */
    public static short alawToLinear(byte code) {
        return ALAW_TO_LINEAR[code & 0xFF];
    }

    /** Encodes a 16-bit linear sample as mu-law, rounding to 14 bits first (see class comment). */
    public static byte linearToUlaw(short sample) {
        // Round half up to 14 bits; only 32766 and 32767 round past the 14-bit maximum.
        int linear14 = Math.min((sample + 2) >> 2, 8191);
        int mask;
        int magnitude;
        if (linear14 < 0) {
            magnitude = -linear14;
            mask = 0x7F;
        } else {
            magnitude = linear14;
            mask = 0xFF;
        }
        magnitude = Math.min(magnitude, ULAW_CLIP_14) + ULAW_BIAS_14;
        int segment = segmentOf(magnitude, ULAW_SEGMENT_END);
        if (segment == ULAW_SEGMENT_END.length) {
            // Only the clipped magnitude 8159 + 33 lands here; it maps to the top code.
            return (byte) (0x7F ^ mask);
        }
        int code = (segment << 4) | ((magnitude >> (segment + 1)) & 0x0F);
        return (byte) (code ^ mask);
    }

    /** Encodes a 16-bit linear sample as A-law, rounding to 13 bits first (see class comment). */
    public static byte linearToAlaw(short sample) {
        // Round half up to 13 bits; 32764 .. 32767 round past the 13-bit maximum.
        int linear13 = Math.min((sample + 4) >> 3, 4095);
        int mask;
        int magnitude;
        if (linear13 >= 0) {
            mask = 0xD5; // sign bit set, even bits inverted
            magnitude = linear13;
        } else {
            mask = 0x55; // sign bit clear, even bits inverted
            // A-law is symmetric around -1/2, so -1 shares the magnitude of 0.
            magnitude = -linear13 - 1;
        }
        // magnitude is at most 4095, the end of the last segment, so no overflow case here.
        int segment = segmentOf(magnitude, ALAW_SEGMENT_END);
        int quantised = segment < 2 ? (magnitude >> 1) : (magnitude >> segment);
        int code = (segment << 4) | (quantised & 0x0F);
        return (byte) (code ^ mask);
    }

    /** Index of the first segment whose end is not below magnitude; segmentEnds.length if none. */
    private static int segmentOf(int magnitude, int[] segmentEnds) {
        int segment = 0;
        while (segment < segmentEnds.length && magnitude > segmentEnds[segment]) {
            segment++;
        }
        return segment;
    }

    private static short computeUlawToLinear(int code) {
        int inverted = ~code & 0xFF; // codes are transmitted with all bits inverted
        int biasedMagnitude = (((inverted & 0x0F) << 3) + (ULAW_BIAS_14 << 2)) << ((inverted & 0x70) >> 4);
        int magnitude = biasedMagnitude - (ULAW_BIAS_14 << 2);
        return (short) ((inverted & 0x80) != 0 ? -magnitude : magnitude);
    }

    private static short computeAlawToLinear(int code) {
        int value = code ^ 0x55; // even bits are transmitted inverted
        int segment = (value & 0x70) >> 4;
        int magnitude = (value & 0x0F) << 4;
        if (segment == 0) {
            magnitude += 8; // mid-point of the first linear step
        } else {
            magnitude = (magnitude + 0x108) << (segment - 1);
        }
        return (short) ((value & 0x80) != 0 ? magnitude : -magnitude);
    }
}
