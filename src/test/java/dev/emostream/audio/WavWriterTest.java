package dev.emostream.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class WavWriterTest {

    @TempDir
    Path tmp;

    /**
     * Random samples the encoding represents exactly, so writing and reading back must return
     * them unchanged: multiples of 1/32768 for S16LE, decoded G.711 codes for the companded
     * formats, and arbitrary floats (some beyond [-1, 1]) for F32LE.
     */
    static float[] exactlyRepresentable(Encoding encoding, int count, long seed) {
        Random random = new Random(seed);
        float[] samples = new float[count];
        for (int i = 0; i < count; i++) {
            switch (encoding) {
                case S16LE: samples[i] = (short) random.nextInt() / 32768f; break;
                case F32LE: samples[i] = (random.nextFloat() * 2 - 1) * (i % 7 == 0 ? 4 : 1); break;
                case MULAW: samples[i] = G711.ulawToLinear((byte) random.nextInt()) / 32768f; break;
                case ALAW: samples[i] = G711.alawToLinear((byte) random.nextInt()) / 32768f; break;
                default: throw new AssertionError(encoding);
            }
        }
        return samples;
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void roundTripsThroughTheReader(Encoding encoding) throws IOException {
        float[] samples = exactlyRepresentable(encoding, 3 * 1001, 7);
        Path file = tmp.resolve("rt.wav");

        WavWriter.write(file, samples, 3, 22050, encoding);
        WavAudio audio = new WavReader().read(file);

        assertEquals(new WavAudio(22050, 3, encoding, samples), audio);
        assertArrayEquals(WavWriter.toBytes(samples, 3, 22050, encoding), Files.readAllBytes(file));
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void headerFollowsTheWaveLayout(Encoding encoding) {
        int frames = 5; // odd, so one-byte formats need a pad byte
        byte[] wav = WavWriter.toBytes(new float[frames * 1], 1, 8000, encoding);
        int fmt = TestFiles.chunkOffset(wav, "fmt ");
        int data = TestFiles.chunkOffset(wav, "data");
        long dataBytes = TestFiles.u32(wav, data + 4);

        assertEquals("RIFF", new String(wav, 0, 4, StandardCharsets.US_ASCII));
        assertEquals(wav.length - 8, TestFiles.u32(wav, 4), "RIFF size covers everything after it");
        assertEquals((long) frames * encoding.bytesPerSample(), dataBytes);
        assertEquals(wav.length, data + 8 + dataBytes + (dataBytes & 1), "data, then its pad byte if odd");
        assertEquals(8000L * encoding.bytesPerSample(), TestFiles.u32(wav, fmt + 16), "byte rate");
        assertEquals(encoding.bytesPerSample(), TestFiles.u16(wav, fmt + 20), "block align");
        assertEquals(8 * encoding.bytesPerSample(), TestFiles.u16(wav, fmt + 22), "bits per sample");
        if (encoding == Encoding.S16LE) {
            assertEquals(16, TestFiles.u32(wav, fmt + 4));
            assertEquals(1, TestFiles.u16(wav, fmt + 8));
        } else {
            // Non-PCM: cbSize present (0) and a fact chunk with the frame count.
            assertEquals(18, TestFiles.u32(wav, fmt + 4));
            assertEquals(0, TestFiles.u16(wav, fmt + 24));
            int fact = TestFiles.chunkOffset(wav, "fact");
            assertEquals(4, TestFiles.u32(wav, fact + 4));
            assertEquals(frames, TestFiles.u32(wav, fact + 8));
        }
    }

    @Test
    void s16ClipsOutOfRangeSamples() throws IOException {
        float[] samples = {1f, 1.5f, 1e9f, -1f, -1.5f, -1e9f};
        WavAudio audio = new WavReader().read(new ByteArrayInputStream(WavWriter.toBytes(samples, 1, 8000, Encoding.S16LE)));
        float max = Short.MAX_VALUE / 32768f;
        assertArrayEquals(new float[] {max, max, max, -1f, -1f, -1f}, audio.samples());
    }

    @Test
    void s16RoundsToTheNearestStep() throws IOException {
        Random random = new Random(11);
        float[] exact = exactlyRepresentable(Encoding.S16LE, 500, 12);
        float[] nudged = new float[exact.length];
        for (int i = 0; i < exact.length; i++) {
            // Less than half a step either way; stay inside the range so nothing clips.
            float offset = (random.nextFloat() * 0.98f - 0.49f) / 32768f;
            nudged[i] = Math.max(-1f, Math.min(exact[i] + offset, Short.MAX_VALUE / 32768f));
        }
        WavAudio audio = new WavReader().read(new ByteArrayInputStream(WavWriter.toBytes(nudged, 1, 8000, Encoding.S16LE)));
        assertArrayEquals(exact, audio.samples());
    }

    @ParameterizedTest
    @EnumSource(value = Encoding.class, names = {"MULAW", "ALAW"})
    void companded16BitSamplesMatchTheG711Encoder(Encoding encoding) throws IOException {
        float[] samples = exactlyRepresentable(Encoding.S16LE, 2000, 13);
        byte[] wav = WavWriter.toBytes(samples, 1, 8000, encoding);
        int data = TestFiles.chunkOffset(wav, "data") + 8;
        for (int i = 0; i < samples.length; i++) {
            short s = (short) Math.round(samples[i] * 32768f);
            byte expected = encoding == Encoding.MULAW ? G711.linearToUlaw(s) : G711.linearToAlaw(s);
            assertEquals(expected, wav[data + i], "sample " + i);
        }
    }

    @Test
    void rejectsWhatTheReaderWouldRefuse() {
        assertThrows(IllegalArgumentException.class, () -> WavWriter.toBytes(new float[] {0f, Float.NaN}, 1, 8000, Encoding.F32LE));
        assertThrows(IllegalArgumentException.class, () -> WavWriter.toBytes(new float[3], 2, 8000, Encoding.S16LE));
        assertThrows(IllegalArgumentException.class, () -> WavWriter.toBytes(new float[2], 0, 8000, Encoding.S16LE));
        assertThrows(IllegalArgumentException.class, () -> WavWriter.toBytes(new float[2], 1, 0, Encoding.S16LE));
    }

    @Test
    void monoAndDurationOfWrittenAudio() throws IOException {
        float[] stereo = {0.5f, -0.5f, 0.25f, 0.75f, 0f, 1f / 32768};
        WavAudio audio = new WavReader().read(new ByteArrayInputStream(WavWriter.toBytes(stereo, 2, 4, Encoding.F32LE)));
        assertEquals(3, audio.frames());
        assertEquals(0.75, audio.durationSeconds(), 0.0);
        assertArrayEquals(new float[] {-0.5f, 0.75f, 1f / 32768}, audio.mono(ChannelSelection.channel(1)));
        assertArrayEquals(new float[] {0f, 0.5f, 0.5f / 32768}, audio.mono(ChannelSelection.downmix()));
    }

    /** SoX, where installed, reads what the writer produced to the same samples. */
    @ParameterizedTest
    @EnumSource(Encoding.class)
    void soxReadsWrittenFilesToTheSameSamples(Encoding encoding) throws Exception {
        assumeTrue(soxAvailable(), "sox not installed");
        float[] samples = exactlyRepresentable(encoding == Encoding.F32LE ? Encoding.S16LE : encoding, 2 * 300, 17);
        if (encoding == Encoding.F32LE) {
            // SoX carries samples as 32-bit integers and keeps 25 bits of a float, so use
            // floats on a 2^-24 grid inside (-1, 1), which it reproduces exactly.
            Random random = new Random(18);
            int steps = (1 << 24) - 1;
            for (int i = 0; i < samples.length; i++) {
                samples[i] = (random.nextInt(2 * steps + 1) - steps) / (float) (1 << 24);
            }
        }
        Path wav = tmp.resolve("for-sox.wav");
        Path raw = tmp.resolve("from-sox.f32le");
        WavWriter.write(wav, samples, 2, 8000, encoding);

        Process sox = new ProcessBuilder("sox", "-D", wav.toString(), "-t", "raw", "-e", "floating-point", "-b", "32", "-L",
                raw.toString()).redirectErrorStream(true).start();
        String output = new String(sox.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(sox.waitFor(30, TimeUnit.SECONDS) && sox.exitValue() == 0, "sox failed: " + output);
        assertTrue(output.isBlank(), "sox warned: " + output);

        assertArrayEquals(samples, TestFiles.f32le(Files.readAllBytes(raw)));
    }

    private static boolean soxAvailable() {
        try {
            Process p = new ProcessBuilder("sox", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
