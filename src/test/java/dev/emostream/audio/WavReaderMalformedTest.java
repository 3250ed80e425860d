package dev.emostream.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** WavReader on damaged, hostile and unusual input: it decodes or throws AudioFormatException. */
class WavReaderMalformedTest {

    private static final byte[] STEREO = TestFiles.bytes("wav/s16_stereo.wav");
    private static final int FMT = TestFiles.chunkOffset(STEREO, "fmt ");
    private static final int DATA = TestFiles.chunkOffset(STEREO, "data");
    private static final long DATA_BYTES = TestFiles.u32(STEREO, DATA + 4);

    private final WavReader reader = new WavReader();

    @TempDir
    Path tmp;

    private WavAudio readStream(byte[] wav) throws IOException {
        return reader.read(new ByteArrayInputStream(wav));
    }

    private WavAudio readFile(byte[] wav) throws IOException {
        Path file = Files.write(tmp.resolve("in.wav"), wav);
        return reader.read(file);
    }

    /** Asserts that both the stream and the file path reject the input with the same message. */
    private String rejected(byte[] wav) throws IOException {
        AudioFormatException fromStream = assertThrows(AudioFormatException.class, () -> readStream(wav));
        AudioFormatException fromFile = assertThrows(AudioFormatException.class, () -> readFile(wav));
        assertEquals(fromStream.getMessage(), fromFile.getMessage());
        return fromStream.getMessage();
    }

    private static void assertContains(String message, String expected) {
        assertTrue(message.contains(expected), "expected '" + expected + "' in: " + message);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p, 0, p.length);
        }
        return out.toByteArray();
    }

    private static byte[] chunk(String id, byte[] payload) {
        byte[] c = new byte[8 + payload.length + (payload.length & 1)];
        System.arraycopy(id.getBytes(StandardCharsets.US_ASCII), 0, c, 0, 4);
        TestFiles.putU32(c, 4, payload.length);
        System.arraycopy(payload, 0, c, 8, payload.length);
        return c;
    }

    private static byte[] withRiffSizeFixed(byte[] wav) {
        TestFiles.putU32(wav, 4, wav.length - 8);
        return wav;
    }

    // --- container -----------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 4, 11})
    void inputShorterThanTheRiffHeaderIsTruncated(int length) throws IOException {
        assertContains(rejected(Arrays.copyOf(STEREO, length)), "truncated: " + length + " bytes");
    }

    @Test
    void wrongMagicIsNotRiff() throws IOException {
        byte[] wav = STEREO.clone();
        wav[0] = 'J';
        assertContains(rejected(wav), "not a RIFF/WAVE file: starts with 'JIFF'");
        byte[] binary = STEREO.clone();
        binary[0] = 0;
        assertContains(rejected(binary), "starts with bytes 00 49 46 46");
    }

    @ParameterizedTest
    @ValueSource(strings = {"RIFX", "RF64", "BW64"})
    void otherRiffVariantsAreNamed(String magic) throws IOException {
        byte[] wav = STEREO.clone();
        System.arraycopy(magic.getBytes(StandardCharsets.US_ASCII), 0, wav, 0, 4);
        assertContains(rejected(wav), magic);
    }

    @Test
    void riffFormOtherThanWaveIsRejected() throws IOException {
        byte[] wav = STEREO.clone();
        System.arraycopy("AVI ".getBytes(StandardCharsets.US_ASCII), 0, wav, 8, 4);
        assertContains(rejected(wav), "RIFF form type is 'AVI '");
    }

    @Test
    void truncatedInsideTheFmtChunk() throws IOException {
        assertContains(rejected(Arrays.copyOf(STEREO, FMT + 8 + 10)), "truncated: fmt chunk");
    }

    @Test
    void truncatedInsideAChunkHeader() throws IOException {
        assertContains(rejected(Arrays.copyOf(STEREO, DATA + 5)), "chunk header at byte " + DATA + " has only 5 of 8 bytes");
    }

    @Test
    void truncatedDataNamesDeclaredAndPresentBytes() throws IOException {
        byte[] wav = Arrays.copyOf(STEREO, STEREO.length - 10);
        assertContains(rejected(wav), "truncated: data chunk declares " + DATA_BYTES + " bytes, only " + (DATA_BYTES - 10) + " present");
    }

    @Test
    void dataNotAMultipleOfTheBlockAlign() throws IOException {
        byte[] wav = STEREO.clone();
        TestFiles.putU32(wav, DATA + 4, DATA_BYTES - 2); // stereo s16 frames are 4 bytes
        assertContains(rejected(wav), "data chunk size " + (DATA_BYTES - 2) + " is not a multiple of the block align 4");
    }

    @Test
    void missingFmtChunk() throws IOException {
        byte[] dataBeforeFmt = STEREO.clone();
        System.arraycopy("junk".getBytes(StandardCharsets.US_ASCII), 0, dataBeforeFmt, FMT, 4);
        assertContains(rejected(dataBeforeFmt), "comes before any fmt chunk");

        byte[] headerOnly = withRiffSizeFixed(concat(Arrays.copyOf(STEREO, 12), chunk("LIST", new byte[5])));
        assertContains(rejected(headerOnly), "no fmt chunk");
    }

    @Test
    void missingDataChunk() throws IOException {
        byte[] wav = withRiffSizeFixed(Arrays.copyOf(STEREO, DATA));
        assertContains(rejected(wav), "no data chunk");
    }

    @Test
    void secondFmtChunkIsRejected() throws IOException {
        byte[] fmt = Arrays.copyOfRange(STEREO, FMT, DATA);
        byte[] wav = withRiffSizeFixed(concat(Arrays.copyOf(STEREO, DATA), fmt, Arrays.copyOfRange(STEREO, DATA, STEREO.length)));
        assertContains(rejected(wav), "second fmt chunk");
    }

    @Test
    void unknownChunksAreSkippedIncludingTheirPadByte() throws IOException {
        byte[] list = chunk("LIST", "INFOICMT odd".getBytes(StandardCharsets.US_ASCII)); // 13 bytes: padded
        byte[] empty = chunk("junk", new byte[0]);
        byte[] wav = withRiffSizeFixed(concat(Arrays.copyOf(STEREO, 12), list, Arrays.copyOfRange(STEREO, FMT, DATA),
                empty, chunk("cue ", new byte[7]), Arrays.copyOfRange(STEREO, DATA, STEREO.length), list));

        assertEquals(readStream(STEREO), readStream(wav));
        assertEquals(readStream(STEREO), readFile(wav));
    }

    // --- fmt fields ----------------------------------------------------------------------

    @Test
    void fmtChunkTooSmall() throws IOException {
        byte[] wav = STEREO.clone();
        TestFiles.putU32(wav, FMT + 4, 14);
        assertContains(rejected(wav), "fmt chunk too small: 14 bytes, need at least 16");
    }

    @Test
    void zeroChannels() throws IOException {
        byte[] wav = STEREO.clone();
        TestFiles.putU16(wav, FMT + 10, 0);
        assertContains(rejected(wav), "0 channels");
    }

    @Test
    void channelsBeyondTheLimit() throws IOException {
        byte[] wav = STEREO.clone();
        TestFiles.putU16(wav, FMT + 10, 33);
        TestFiles.putU16(wav, FMT + 20, 66); // keep block align consistent
        assertContains(rejected(wav), "33 channels, more than the limit of 32");

        WavReader stereoOnly = new WavReader(WavReader.Limits.DEFAULT.withMaxChannels(1));
        AudioFormatException e = assertThrows(AudioFormatException.class,
                () -> stereoOnly.read(new ByteArrayInputStream(STEREO)));
        assertContains(e.getMessage(), "2 channels, more than the limit of 1");
    }

    @Test
    void sampleRateZeroOrBeyondTheLimit() throws IOException {
        byte[] zero = STEREO.clone();
        TestFiles.putU32(zero, FMT + 12, 0);
        assertContains(rejected(zero), "sample rate of 0 Hz");

        byte[] huge = STEREO.clone();
        TestFiles.putU32(huge, FMT + 12, 0xFFFF_FFFFL);
        assertContains(rejected(huge), "sample rate of 4294967295 Hz, more than the limit of 384000 Hz");

        WavReader narrow = new WavReader(WavReader.Limits.DEFAULT.withMaxSampleRate(7999));
        assertThrows(AudioFormatException.class, () -> narrow.read(new ByteArrayInputStream(STEREO)));
    }

    @Test
    void inconsistentBlockAlign() throws IOException {
        byte[] wav = STEREO.clone();
        TestFiles.putU16(wav, FMT + 20, 3);
        assertContains(rejected(wav), "block align inconsistent: fmt chunk says 3 bytes per frame, 2 channel(s) of 16-bit samples take 4");
    }

    // --- sizes and limits ----------------------------------------------------------------

    /** A 100-byte file whose chunk at {@code offset} claims 0x7FFFFFF0 bytes. */
    private static byte[] absurdSizeAt(int sizeOffset) {
        byte[] wav = Arrays.copyOf(STEREO, 100);
        TestFiles.putU32(wav, sizeOffset, 0x7FFF_FFF0L);
        return wav;
    }

    @Test
    void absurdDeclaredSizesFailFastWithoutHugeAllocations() {
        WavReader permissive = new WavReader(WavReader.Limits.DEFAULT.withMaxDataBytes(Integer.MAX_VALUE - 8));
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            for (int sizeOffset : new int[] {FMT + 4, DATA + 4}) {
                byte[] wav = absurdSizeAt(sizeOffset);
                rejected(wav);
                assertThrows(AudioFormatException.class, () -> permissive.read(new ByteArrayInputStream(wav)));
                Path file = Files.write(tmp.resolve("absurd.wav"), wav);
                assertThrows(AudioFormatException.class, () -> permissive.read(file));
            }
            // An unknown chunk that claims 2 GiB before fmt.
            byte[] junk = concat(Arrays.copyOf(STEREO, 12), chunk("junk", new byte[0]), Arrays.copyOfRange(STEREO, FMT, 100));
            TestFiles.putU32(junk, 16, 0x7FFF_FFF0L);
            assertContains(rejected(junk), "chunk 'junk' at byte 12 declares 2147483632 bytes, the file ends first");
        });
    }

    @Test
    void absurdDataSizeReportsTheLimitByDefaultAndTruncationWhenAllowed() throws IOException {
        byte[] wav = absurdSizeAt(DATA + 4);
        assertContains(rejected(wav), "data chunk declares 2147483632 bytes, more than the limit of 1073741824");

        WavReader permissive = new WavReader(WavReader.Limits.DEFAULT.withMaxDataBytes(Integer.MAX_VALUE - 8));
        AudioFormatException e = assertThrows(AudioFormatException.class, () -> permissive.read(new ByteArrayInputStream(wav)));
        assertContains(e.getMessage(), "truncated: data chunk declares 2147483632 bytes, only " + (100 - DATA - 8) + " present");
    }

    @Test
    void dataBeyondTheConfiguredLimit() throws IOException {
        WavReader small = new WavReader(WavReader.Limits.DEFAULT.withMaxDataBytes(DATA_BYTES - 4));
        AudioFormatException e = assertThrows(AudioFormatException.class, () -> small.read(new ByteArrayInputStream(STEREO)));
        assertContains(e.getMessage(), "more than the limit of " + (DATA_BYTES - 4));

        WavReader exact = new WavReader(WavReader.Limits.DEFAULT.withMaxDataBytes(DATA_BYTES));
        assertEquals(DATA_BYTES / 2, exact.read(new ByteArrayInputStream(STEREO)).samples().length);
    }

    @Test
    void limitsRejectValuesTheReaderCannotHonour() {
        assertThrows(IllegalArgumentException.class, () -> WavReader.Limits.DEFAULT.withMaxDataBytes(Integer.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> WavReader.Limits.DEFAULT.withMaxChannels(0));
        assertThrows(IllegalArgumentException.class, () -> WavReader.Limits.DEFAULT.withMaxSampleRate(0));
    }

    @Test
    void emptyDataChunkIsEmptyAudio() throws IOException {
        byte[] wav = withRiffSizeFixed(Arrays.copyOf(STEREO, DATA + 8));
        TestFiles.putU32(wav, DATA + 4, 0);
        WavAudio audio = readFile(wav);
        assertEquals(0, audio.frames());
        assertEquals(0.0, audio.durationSeconds());
        assertEquals(2, audio.channels());
    }

    // --- streaming writers: data size 0xFFFFFFFF means "to the end of the file" --------

    @Test
    void dataSizeAllOnesReadsToTheEndOfTheFile() throws IOException {
        byte[] wav = STEREO.clone();
        TestFiles.putU32(wav, 4, 0xFFFF_FFFFL);
        TestFiles.putU32(wav, DATA + 4, 0xFFFF_FFFFL);
        assertEquals(readStream(STEREO), readStream(wav));
        assertEquals(readStream(STEREO), readFile(wav));
    }

    @Test
    void dataToTheEndOfTheFileMustStillBeWholeFrames() throws IOException {
        byte[] wav = Arrays.copyOf(STEREO, STEREO.length + 1);
        TestFiles.putU32(wav, DATA + 4, 0xFFFF_FFFFL);
        assertContains(rejected(wav), "are not a multiple of the block align 4");
    }

    @Test
    void dataToTheEndOfTheFileObeysTheLimit() throws IOException {
        byte[] wav = STEREO.clone();
        TestFiles.putU32(wav, DATA + 4, 0xFFFF_FFFFL);
        WavReader small = new WavReader(WavReader.Limits.DEFAULT.withMaxDataBytes(DATA_BYTES - 1));
        AudioFormatException e = assertThrows(AudioFormatException.class, () -> small.read(new ByteArrayInputStream(wav)));
        assertContains(e.getMessage(), "holds more than the limit of " + (DATA_BYTES - 1));

        WavReader exact = new WavReader(WavReader.Limits.DEFAULT.withMaxDataBytes(DATA_BYTES));
        assertEquals(DATA_BYTES / 2, exact.read(new ByteArrayInputStream(wav)).samples().length);

        // A file's size tells at once: refused before anything is allocated for the data.
        Path file = Files.write(tmp.resolve("to-end.wav"), wav);
        AudioFormatException fromFile = assertThrows(AudioFormatException.class, () -> small.read(file));
        assertContains(fromFile.getMessage(), "holds " + DATA_BYTES + " bytes, more than the limit of " + (DATA_BYTES - 1));
        assertEquals(DATA_BYTES / 2, exact.read(file).samples().length);
    }

    // --- larger inputs, read in several pieces -------------------------------------------

    @Test
    void nonFiniteFloatIsReportedWithItsIndexInTheWholeFile() throws IOException {
        float[] samples = new float[40_000]; // 160 kB of data: read in several 64 KiB pieces
        Arrays.fill(samples, 0.125f);
        byte[] wav = WavWriter.toBytes(samples, 2, 8000, Encoding.F32LE);
        int data = TestFiles.chunkOffset(wav, "data");
        int badIndex = 33_333;
        TestFiles.putU32(wav, data + 8 + 4 * badIndex, Float.floatToRawIntBits(Float.NEGATIVE_INFINITY));

        NonFiniteSampleException e = assertThrows(NonFiniteSampleException.class, () -> readFile(wav));
        assertEquals(badIndex, e.sampleIndex());
        assertContains(e.getMessage(), "f32le sample " + badIndex + " is -Infinity");
    }

    @Test
    void aStreamThatDeliversOneByteAtATimeGivesTheSameAudio() throws IOException {
        float[] samples = new float[3 * 30_000];
        Random random = new Random(5);
        for (int i = 0; i < samples.length; i++) {
            samples[i] = random.nextFloat() - 0.5f;
        }
        byte[] wav = WavWriter.toBytes(samples, 3, 16000, Encoding.F32LE);
        InputStream trickle = new FilterInputStream(new ByteArrayInputStream(wav)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 1));
            }
        };
        WavAudio audio = reader.read(trickle);
        assertArrayEquals(samples, audio.samples());
    }

    @Test
    void aPathThatIsNotARegularFileIsReadAsAStream() throws Exception {
        // Pipes and devices report size 0; the reader must not take that as "truncated".
        Path fifo = tmp.resolve("pipe.wav");
        try {
            assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo failed");
        } catch (IOException e) {
            assumeTrue(false, "no mkfifo on this system");
        }
        Thread writer = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(fifo)) {
                out.write(STEREO);
            } catch (IOException ignored) {
                // the assertion below reports the failure
            }
        });
        writer.setDaemon(true); // if the reader never opens the pipe, the writer must not keep the JVM alive
        writer.start();
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertEquals(readStream(STEREO), reader.read(fifo)));
        } finally {
            writer.join(10_000);
        }
    }

    // --- fuzzing -------------------------------------------------------------------------

    /**
     * Truncates and corrupts valid files at random points: every outcome must be decoded audio
     * or an AudioFormatException, never another exception, an OutOfMemoryError or a hang.
     */
    @Test
    void randomlyDamagedFilesDecodeOrFailCleanly() {
        byte[][] bases = {
            STEREO,
            TestFiles.bytes("wav/f32_mono.wav"),
            TestFiles.bytes("wav/mulaw_3ch.wav"),
            TestFiles.bytes("wav/s16_4ch_extensible.wav"),
            WavReaderReferenceTest.toExtensible(TestFiles.bytes("wav/alaw_mono.wav")),
        };
        long[] interesting = {0, 1, 2, 3, 0x7FFF_FFFFL, 0x7FFF_FFF0L, 0x8000_0000L, 0xFFFF_FFFFL, 0xFFFF_FFFEL};
        Random random = new Random(20240601);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            int decoded = 0;
            int rejected = 0;
            for (int iteration = 0; iteration < 5000; iteration++) {
                byte[] base = bases[iteration % bases.length];
                byte[] wav;
                switch (random.nextInt(4)) {
                    case 0: // truncate anywhere
                        wav = Arrays.copyOf(base, random.nextInt(base.length + 1));
                        break;
                    case 1: // flip random bytes, mostly in the header
                        wav = base.clone();
                        for (int k = 1 + random.nextInt(4); k > 0; k--) {
                            wav[random.nextInt(Math.min(wav.length, 80))] = (byte) random.nextInt(256);
                        }
                        break;
                    case 2: // a header field set to an extreme value
                        wav = base.clone();
                        int at = random.nextInt(Math.min(wav.length, 80) - 3);
                        if (random.nextBoolean()) {
                            TestFiles.putU32(wav, at, interesting[random.nextInt(interesting.length)]);
                        } else {
                            TestFiles.putU16(wav, at, (int) interesting[random.nextInt(interesting.length)]);
                        }
                        break;
                    default: // corrupt, then truncate
                        wav = base.clone();
                        wav[random.nextInt(Math.min(wav.length, 80))] ^= (byte) (1 << random.nextInt(8));
                        wav = Arrays.copyOf(wav, random.nextInt(wav.length + 1));
                        break;
                }
                try {
                    if (iteration % 25 == 0) {
                        readFile(wav);
                    } else {
                        readStream(wav);
                    }
                    decoded++;
                } catch (AudioFormatException expected) {
                    rejected++;
                } catch (Throwable t) {
                    fail("iteration " + iteration + ": " + t + " for input "
                            + Arrays.toString(Arrays.copyOf(wav, Math.min(wav.length, 80))), t);
                }
            }
            // Both outcomes must actually occur, or the mutations are not exercising anything.
            assertTrue(decoded > 100 && rejected > 1000, decoded + " decoded, " + rejected + " rejected");
        });
    }
}
