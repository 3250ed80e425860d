package dev.emostream.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * G.711 against SoX (exact, over every code and every 16-bit input) and against a transcription
 * of the classic Sun g711.c compressor, which SoX's own tables come from.
 */
class G711Test {

    private static short[] soxDecoded(String file) {
        byte[] raw = TestFiles.bytes("g711/" + file);
        assertEquals(512, raw.length, "one s16 per code");
        short[] out = new short[256];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(out);
        return out;
    }

    private static byte[] soxEncoded(String file) {
        byte[] raw = TestFiles.bytes("g711/" + file);
        assertEquals(65536, raw.length, "one code per s16 value");
        return raw;
    }

    @Test
    void decodesEveryMuLawCodeLikeSox() {
        short[] sox = soxDecoded("ulaw_decoded.s16le");
        for (int code = 0; code < 256; code++) {
            assertEquals(sox[code], G711.ulawToLinear((byte) code), "mu-law code " + code);
        }
    }

    @Test
    void decodesEveryALawCodeLikeSox() {
        short[] sox = soxDecoded("alaw_decoded.s16le");
        for (int code = 0; code < 256; code++) {
            assertEquals(sox[code], G711.alawToLinear((byte) code), "A-law code " + code);
        }
    }

    @Test
    void encodesEverySampleToMuLawLikeSox() {
        byte[] sox = soxEncoded("ulaw_encoded.u8");
        for (int s = Short.MIN_VALUE; s <= Short.MAX_VALUE; s++) {
            assertEquals(sox[s - Short.MIN_VALUE], G711.linearToUlaw((short) s), "sample " + s);
        }
    }

    @Test
    void encodesEverySampleToALawLikeSox() {
        byte[] sox = soxEncoded("alaw_encoded.u8");
        for (int s = Short.MIN_VALUE; s <= Short.MAX_VALUE; s++) {
            assertEquals(sox[s - Short.MIN_VALUE], G711.linearToAlaw((short) s), "sample " + s);
        }
    }

    /**
     * Where the 16-bit input already lies on the 14-bit (mu-law) or 13-bit (A-law) grid,
     * rounding and Sun's truncation agree, so the compressor itself must be Sun's.
     */
    @Test
    void compressesLikeClassicSunCodeOnTheCompanderGrid() {
        for (int s = Short.MIN_VALUE; s <= Short.MAX_VALUE; s += 4) {
            assertEquals(SunG711.linear2ulaw(s), G711.linearToUlaw((short) s), "mu-law sample " + s);
        }
        for (int s = Short.MIN_VALUE; s <= Short.MAX_VALUE; s += 8) {
            assertEquals(SunG711.linear2alaw(s), G711.linearToAlaw((short) s), "A-law sample " + s);
        }
    }

    /**
     * Off the grid, SoX (and this class) round to 14/13 bits where Sun truncates. The class
     * comment quotes how many inputs that changes; each such code is exactly one quantisation
     * level above Sun's, never further.
     */
    @Test
    void roundingDiffersFromSunTruncationByOneLevelOnAFewInputs() {
        assertEquals(508, countOneLevelDifferences(true));
        assertEquals(1020, countOneLevelDifferences(false));
    }

    private static int countOneLevelDifferences(boolean ulaw) {
        int differences = 0;
        for (int s = Short.MIN_VALUE; s <= Short.MAX_VALUE; s++) {
            byte ours = ulaw ? G711.linearToUlaw((short) s) : G711.linearToAlaw((short) s);
            byte sun = ulaw ? SunG711.linear2ulaw(s) : SunG711.linear2alaw(s);
            if (ours == sun) {
                continue;
            }
            differences++;
            int oursValue = ulaw ? G711.ulawToLinear(ours) : G711.alawToLinear(ours);
            int sunValue = ulaw ? G711.ulawToLinear(sun) : G711.alawToLinear(sun);
            assertTrue(oursValue > sunValue, "sample " + s + ": rounding can only move up");
            for (int code = 0; code < 256; code++) {
                int level = ulaw ? G711.ulawToLinear((byte) code) : G711.alawToLinear((byte) code);
                assertFalse(level > sunValue && level < oursValue, "sample " + s + ": a level lies between");
            }
        }
        return differences;
    }

    @Test
    void reEncodingADecodedValueGivesACodeWithTheSameValue() {
        for (int code = 0; code < 256; code++) {
            short mu = G711.ulawToLinear((byte) code);
            assertEquals(mu, G711.ulawToLinear(G711.linearToUlaw(mu)), "mu-law code " + code);
            short a = G711.alawToLinear((byte) code);
            assertEquals(a, G711.alawToLinear(G711.linearToAlaw(a)), "A-law code " + code);
        }
    }

    @Test
    void encodingIsMonotonicInTheDecodedDomain() {
        short previousMu = Short.MIN_VALUE;
        short previousA = Short.MIN_VALUE;
        for (int s = Short.MIN_VALUE; s <= Short.MAX_VALUE; s++) {
            short mu = G711.ulawToLinear(G711.linearToUlaw((short) s));
            short a = G711.alawToLinear(G711.linearToAlaw((short) s));
            if (mu < previousMu || a < previousA) {
                throw new AssertionError("quantised value decreases at sample " + s);
            }
            previousMu = mu;
            previousA = a;
        }
    }

    /** The classic Sun Microsystems g711.c encoders, transcribed as a second opinion. */
    private static final class SunG711 {
        private static final int[] SEG_UEND = {0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF};
        private static final int[] SEG_AEND = {0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF};

        private static int search(int val, int[] table) {
            for (int i = 0; i < table.length; i++) {
                if (val <= table[i]) {
                    return i;
                }
            }
            return table.length;
        }

        static byte linear2ulaw(int pcmVal) {
            int mask;
            pcmVal = pcmVal >> 2;
            if (pcmVal < 0) {
                pcmVal = -pcmVal;
                mask = 0x7F;
            } else {
                mask = 0xFF;
            }
            if (pcmVal > 8159) {
                pcmVal = 8159;
            }
            pcmVal += 0x84 >> 2;
            int seg = search(pcmVal, SEG_UEND);
            if (seg >= 8) {
                return (byte) (0x7F ^ mask);
            }
            int uval = (seg << 4) | ((pcmVal >> (seg + 1)) & 0xF);
            return (byte) (uval ^ mask);
        }

        static byte linear2alaw(int pcmVal) {
            int mask;
            pcmVal = pcmVal >> 3;
            if (pcmVal >= 0) {
                mask = 0xD5;
            } else {
                mask = 0x55;
                pcmVal = -pcmVal - 1;
            }
            int seg = search(pcmVal, SEG_AEND);
            if (seg >= 8) {
                return (byte) (0x7F ^ mask);
            }
            int aval = seg << 4;
            aval |= seg < 2 ? (pcmVal >> 1) & 0xF : (pcmVal >> seg) & 0xF;
            return (byte) (aval ^ mask);
        }
    }
}
