package dev.emostream.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The block-by-block reader: the same samples and the same rules as reading the whole file. */
class WavStreamTest {
    private final WavReader reader = new WavReader();

    @TempDir
    Path tmp;

    private static float[] noise(int samples, long seed) {
        Random random = new Random(seed);
        float[] x = new float[samples];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat() - 0.5f;
        }
        return x;
    }

    /** Every sample of the stream, read in blocks of at most {@code maxFrames} frames. */
    private static float[] readInBlocks(WavStream stream, int maxFrames) throws IOException {
        float[] block = new float[maxFrames * stream.channels()];
        float[] all = new float[0];
        int frames;
        while ((frames = stream.read(block, maxFrames)) > 0) {
            assertTrue(frames <= maxFrames);
            int n = frames * stream.channels();
            all = Arrays.copyOf(all, all.length + n);
            System.arraycopy(block, 0, all, all.length - n, n);
        }
        assertEquals(-1, stream.read(block, maxFrames), "the end stays the end");
        return all;
    }

    @Test
    void blocksOfAnySizeGiveTheSamplesOfTheWholeFile() throws IOException {
        for (Encoding encoding : Encoding.values()) {
            float[] samples = noise(3 * 25_000, encoding.ordinal());
            Path file = tmp.resolve(encoding + ".wav");
            WavWriter.write(file, samples, 3, 22050, encoding);
            float[] whole = reader.read(file).samples();
            for (int maxFrames : new int[] {1, 7, 4096, 100_000}) {
                try (WavStream stream = reader.open(file)) {
                    assertEquals(22050, stream.sampleRate());
                    assertEquals(3, stream.channels());
                    assertEquals(encoding, stream.encoding());
                    assertEquals(25_000, stream.frames());
                    assertArrayEquals(whole, readInBlocks(stream, maxFrames), encoding + ", blocks of " + maxFrames);
                    assertEquals(25_000, stream.framesRead());
                }
            }
        }
    }

    @Test
    void dataToTheEndOfTheFileHasNoKnownLengthUntilRead() throws IOException {
        byte[] wav = WavWriter.toBytes(noise(2 * 5000, 3), 2, 8000, Encoding.S16LE);
        TestFiles.putU32(wav, TestFiles.chunkOffset(wav, "data") + 4, 0xFFFF_FFFFL);
        try (WavStream stream = reader.open(new ByteArrayInputStream(wav))) {
            assertEquals(-1, stream.frames());
            assertEquals(2 * 5000, readInBlocks(stream, 512).length);
            assertEquals(5000, stream.framesRead());
        }
    }

    @Test
    void truncationShowsWhenTheBlockThatMissesDataIsRead() throws IOException {
        byte[] full = WavWriter.toBytes(noise(20_000, 4), 1, 16000, Encoding.S16LE);
        byte[] cut = Arrays.copyOf(full, full.length - 100);
        try (WavStream stream = reader.open(new ByteArrayInputStream(cut))) {
            float[] block = new float[4096];
            assertEquals(4096, stream.read(block, 4096), "the first blocks are there");
            AudioFormatException e = assertThrows(AudioFormatException.class, () -> {
                while (stream.read(block, 4096) > 0) {
                    // read on until the data runs out
                }
            });
            assertTrue(e.getMessage().startsWith("truncated: data chunk declares 40000 bytes, only 39900 present"),
                    e.getMessage());
        }
    }

    @Test
    void nonFiniteSampleIsIndexedFromTheStartOfTheData() throws IOException {
        float[] samples = new float[30_000];
        samples[25_001] = Float.NaN;
        byte[] wav = toF32WithoutValidation(samples);
        try (WavStream stream = reader.open(new ByteArrayInputStream(wav))) {
            float[] block = new float[1000];
            NonFiniteSampleException e = assertThrows(NonFiniteSampleException.class, () -> {
                while (stream.read(block, 1000) > 0) {
                    // read on until the bad sample
                }
            });
            assertEquals(25_001, e.sampleIndex());
            assertEquals(25_000, stream.framesRead(), "the blocks before it were delivered");
        }
    }

    /** WavWriter refuses NaN, so the bad sample is patched into the bytes. */
    private static byte[] toF32WithoutValidation(float[] samples) {
        float[] clean = samples.clone();
        int bad = -1;
        for (int i = 0; i < clean.length; i++) {
            if (!Float.isFinite(clean[i])) {
                bad = i;
                clean[i] = 0;
            }
        }
        byte[] wav = WavWriter.toBytes(clean, 1, 16000, Encoding.F32LE);
        TestFiles.putU32(wav, TestFiles.chunkOffset(wav, "data") + 8 + 4 * bad, Float.floatToRawIntBits(Float.NaN));
        return wav;
    }

    @Test
    void headerErrorsShowWhenOpening() {
        byte[] wav = WavWriter.toBytes(noise(100, 5), 1, 16000, Encoding.S16LE);
        wav[0] = 'J';
        AudioFormatException e = assertThrows(AudioFormatException.class,
                () -> reader.open(new ByteArrayInputStream(wav)));
        assertTrue(e.getMessage().contains("not a RIFF/WAVE file"), e.getMessage());
    }

    @Test
    void closingLeavesACallersStreamOpen() throws IOException {
        byte[] wav = WavWriter.toBytes(noise(100, 6), 1, 16000, Encoding.S16LE);
        boolean[] closed = {false};
        InputStream in = new ByteArrayInputStream(wav) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        reader.open(in).close();
        assertFalse(closed[0]);
    }

    @Test
    void aDirectoryIsRefusedAsSuch() {
        FileSystemException e = assertThrows(FileSystemException.class, () -> reader.open(tmp));
        assertEquals("Is a directory", e.getReason());
        assertEquals(tmp.toString(), e.getFile());
    }

    @Test
    void badArgumentsAreRefused() throws IOException {
        byte[] wav = WavWriter.toBytes(noise(200, 7), 2, 16000, Encoding.S16LE);
        try (WavStream stream = reader.open(new ByteArrayInputStream(wav))) {
            assertThrows(IllegalArgumentException.class, () -> stream.read(new float[10], 0));
            assertThrows(IndexOutOfBoundsException.class, () -> stream.read(new float[9], 5), "5 stereo frames need 10");
            assertEquals(5, stream.read(new float[10], 5));
        }
    }
}
