package dev.emostream.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class SampleDecoderTest {

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void s16IsScaledBy32768() {
        short[] values = new short[1000];
        Random random = new Random(1);
        for (int i = 0; i < values.length; i++) {
            values[i] = (short) random.nextInt();
        }
        values[0] = Short.MIN_VALUE;
        values[1] = Short.MAX_VALUE;
        values[2] = 0;
        ByteBuffer buf = le(values.length * 2);
        buf.asShortBuffer().put(values);
        float[] out = new float[values.length];

        int written = SampleDecoder.decode(Encoding.S16LE, buf.array(), 0, buf.capacity(), out, 0);

        assertEquals(values.length, written);
        for (int i = 0; i < values.length; i++) {
            assertEquals(values[i] / 32768.0, out[i], 0.0, "sample " + i);
        }
        assertEquals(-1f, out[0]);
        assertTrue(out[1] < 1f);
    }

    @Test
    void f32IsPassedThroughBitForBit() {
        float[] values = new float[1000];
        Random random = new Random(2);
        for (int i = 0; i < values.length; i++) {
            values[i] = (random.nextFloat() * 2 - 1) * (i % 10 == 0 ? 3 : 1);
        }
        values[0] = -0.0f;
        values[1] = Float.MIN_VALUE; // subnormal
        values[2] = SampleDecoder.MAX_F32_MAGNITUDE; // the largest taken (beyond it: refused, tested below)
        ByteBuffer buf = le(values.length * 4);
        buf.asFloatBuffer().put(values);
        float[] out = new float[values.length];

        SampleDecoder.decode(Encoding.F32LE, buf.array(), 0, buf.capacity(), out, 0);

        for (int i = 0; i < values.length; i++) {
            assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(out[i]), "sample " + i);
        }
    }

    @Test
    void g711CodesDecodeThroughTheTables() {
        byte[] codes = new byte[256];
        for (int i = 0; i < 256; i++) {
            codes[i] = (byte) i;
        }
        float[] mu = new float[256];
        float[] a = new float[256];
        SampleDecoder.decode(Encoding.MULAW, codes, 0, 256, mu, 0);
        SampleDecoder.decode(Encoding.ALAW, codes, 0, 256, a, 0);
        for (int i = 0; i < 256; i++) {
            assertEquals(G711.ulawToLinear((byte) i) / 32768f, mu[i], 0f, "mu-law code " + i);
            assertEquals(G711.alawToLinear((byte) i) / 32768f, a[i], 0f, "A-law code " + i);
        }
    }

    @Test
    void honoursSourceAndDestinationOffsets() {
        ByteBuffer buf = le(10);
        buf.putShort(0, (short) 999).putShort(2, (short) 1000).putShort(4, (short) -2000)
                .putShort(6, (short) 3000).putShort(8, (short) 999);
        float[] out = {7f, 7f, 7f, 7f, 7f};

        int written = SampleDecoder.decode(Encoding.S16LE, buf.array(), 2, 6, out, 1);

        assertEquals(3, written);
        assertArrayEquals(new float[] {7f, 1000 / 32768f, -2000 / 32768f, 3000 / 32768f, 7f}, out);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7})
    void s16LengthThatSplitsASampleIsRejected(int len) {
        AudioFormatException e = assertThrows(AudioFormatException.class,
                () -> SampleDecoder.decode(Encoding.S16LE, new byte[8], 0, len, new float[8], 0));
        assertTrue(e.getMessage().contains(len + " bytes of S16LE"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 6})
    void f32LengthThatSplitsASampleIsRejected(int len) {
        AudioFormatException e = assertThrows(AudioFormatException.class,
                () -> SampleDecoder.decode(Encoding.F32LE, new byte[8], 0, len, new float[8], 0));
        assertTrue(e.getMessage().contains("not a whole number of samples"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
    void nonFiniteF32IsRejectedWithItsIndex(float bad) {
        ByteBuffer buf = le(40);
        for (int i = 0; i < 10; i++) {
            buf.putFloat(i * 4, 0.25f);
        }
        buf.putInt(7 * 4, Float.floatToRawIntBits(bad));

        // The index counts from off, here one sample into the buffer.
        NonFiniteSampleException e = assertThrows(NonFiniteSampleException.class,
                () -> SampleDecoder.decode(Encoding.F32LE, buf.array(), 4, 36, new float[9], 0));

        assertEquals(6, e.sampleIndex());
        assertEquals(Float.floatToRawIntBits(bad), Float.floatToRawIntBits(e.value()));
        assertTrue(e.getMessage().contains("sample 6"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(floats = {1000.5f, -3.0e38f, Float.MAX_VALUE})
    void f32FarBeyondFullScaleIsRejectedWithItsIndexAndUpToTheLimitKept(float bad) {
        ByteBuffer buf = le(16).putFloat(0, 0.5f).putFloat(4, SampleDecoder.MAX_F32_MAGNITUDE).putFloat(8, -4f).putFloat(12, bad);
        float[] out = new float[4];
        SampleOutOfRangeException e = assertThrows(SampleOutOfRangeException.class,
                () -> SampleDecoder.decode(Encoding.F32LE, buf.array(), 0, 16, out, 0));
        assertEquals(3, e.sampleIndex());
        assertEquals(bad, e.value());
        assertEquals(SampleDecoder.MAX_F32_MAGNITUDE, out[1], "the limit itself is taken");
        assertEquals(-4f, out[2], "over full scale is kept");
    }

    @Test
    void nanWithAnyPayloadIsRejected() {
        ByteBuffer buf = le(4).putInt(0, 0x7FC0_1234); // a quiet NaN with payload bits
        assertThrows(NonFiniteSampleException.class,
                () -> SampleDecoder.decode(Encoding.F32LE, buf.array(), 0, 4, new float[1], 0));
    }

    @Test
    void destinationTooSmallIsAProgrammingError() {
        assertThrows(IndexOutOfBoundsException.class,
                () -> SampleDecoder.decode(Encoding.S16LE, new byte[8], 0, 8, new float[3], 0));
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void decodingAllocatesNothing(Encoding encoding) {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        byte[] src = new byte[4096];
        float[] dst = new float[4096];
        for (int i = 0; i < 2000; i++) { // warm up so the measurement sees steady-state code
            SampleDecoder.decode(encoding, src, 0, src.length, dst, 0);
        }
        long thread = Thread.currentThread().getId();
        int calls = 10_000;
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < calls; i++) {
            SampleDecoder.decode(encoding, src, 0, src.length, dst, 0);
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        // Any per-call object costs at least 16 bytes; allow a little for the measurement itself.
        assertTrue(allocated < calls, allocated + " bytes allocated over " + calls + " calls");
    }
}
