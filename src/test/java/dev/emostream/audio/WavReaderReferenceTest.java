package dev.emostream.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** WavReader on files SoX wrote (see src/test/resources/audio/make_reference.sh). */
class WavReaderReferenceTest {

    private final WavReader reader = new WavReader();

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "s16_mono,           1,  8000, S16LE",
        "s16_mono_16k,       1, 16000, S16LE",
        "s16_stereo,         2,  8000, S16LE",
        "s16_4ch_extensible, 4,  8000, S16LE",
        "s16_4ch_wavpcm,     4,  8000, S16LE",
        "f32_mono,           1,  8000, F32LE",
        "f32_stereo,         2,  8000, F32LE",
        "mulaw_mono,         1,  8000, MULAW",
        "mulaw_3ch,          3,  8000, MULAW",
        "alaw_mono,          1,  8000, ALAW",
        "alaw_stereo,        2,  8000, ALAW",
    })
    void decodesToTheSamplesSoxDecodes(String name, int channels, int sampleRate, Encoding encoding) throws IOException {
        float[] sox = TestFiles.f32le(TestFiles.bytes("wav/" + name + ".f32le"));

        WavAudio fromPath = reader.read(TestFiles.path("wav/" + name + ".wav"));
        WavAudio fromStream = reader.read(new ByteArrayInputStream(TestFiles.bytes("wav/" + name + ".wav")));

        assertEquals(channels, fromPath.channels());
        assertEquals(sampleRate, fromPath.sampleRate());
        assertEquals(encoding, fromPath.encoding());
        assertArrayEquals(sox, fromPath.samples());
        assertEquals(fromPath, fromStream);
        assertEquals(0.05, fromPath.durationSeconds(), 1e-12, "the script synthesises 0.05 s");
    }

    @Test
    void extensibleAndPlainPcmHeadersGiveTheSameAudio() throws IOException {
        WavAudio extensible = reader.read(TestFiles.path("wav/s16_4ch_extensible.wav"));
        WavAudio plain = reader.read(TestFiles.path("wav/s16_4ch_wavpcm.wav"));
        assertEquals(0xFFFE, TestFiles.u16(TestFiles.bytes("wav/s16_4ch_extensible.wav"), 20), "fixture is EXTENSIBLE");
        assertEquals(plain, extensible);
    }

    @ParameterizedTest
    @ValueSource(strings = {"s16_stereo", "f32_stereo", "mulaw_mono", "alaw_stereo"})
    void everySupportedTagAlsoWorksAsExtensibleSubFormat(String name) throws IOException {
        byte[] plain = TestFiles.bytes("wav/" + name + ".wav");
        byte[] extensible = toExtensible(plain);
        assertEquals(0xFFFE, TestFiles.u16(extensible, 20));

        assertEquals(reader.read(new ByteArrayInputStream(plain)), reader.read(new ByteArrayInputStream(extensible)));
    }

    @Test
    void extensibleWithAForeignGuidIsRejected() {
        byte[] wav = toExtensible(TestFiles.bytes("wav/s16_stereo.wav"));
        wav[20 + 24 + 15] ^= 0x01; // last GUID byte, no longer the KSDATAFORMAT base GUID
        AudioFormatException e = assertThrows(AudioFormatException.class, () -> reader.read(new ByteArrayInputStream(wav)));
        assertTrue(e.getMessage().contains("sub-format GUID {00000001-0000-0010-8000-00AA00389B70}"), e.getMessage());
    }

    @Test
    void extensibleWithMoreValidBitsThanTheContainerIsRejected() {
        byte[] wav = toExtensible(TestFiles.bytes("wav/s16_stereo.wav"));
        TestFiles.putU16(wav, 20 + 18, 17);
        AudioFormatException e = assertThrows(AudioFormatException.class, () -> reader.read(new ByteArrayInputStream(wav)));
        assertTrue(e.getMessage().contains("17 valid bits in a 16-bit sample"), e.getMessage());
    }

    @Test
    void extensibleWithAShortFmtIsRejected() {
        byte[] wav = toExtensible(TestFiles.bytes("wav/s16_stereo.wav"));
        TestFiles.putU16(wav, 20 + 16, 0); // cbSize 0: no room for the sub-format
        AudioFormatException e = assertThrows(AudioFormatException.class, () -> reader.read(new ByteArrayInputStream(wav)));
        assertTrue(e.getMessage().contains("extension of 0 bytes, need 22"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "u8             | 8-bit unsigned integer PCM (format tag 0x0001)",
        "s24_extensible | 24-bit integer PCM (WAVE_FORMAT_EXTENSIBLE sub-format tag 0x0001)",
        "s24_wavpcm     | 24-bit integer PCM (format tag 0x0001)",
        "s32_extensible | 32-bit integer PCM (WAVE_FORMAT_EXTENSIBLE sub-format tag 0x0001)",
        "f64            | 64-bit IEEE float (format tag 0x0003)",
        "ima_adpcm      | IMA ADPCM (format tag 0x0011)",
        "ms_adpcm       | Microsoft ADPCM (format tag 0x0002)",
        "gsm            | GSM 6.10 (format tag 0x0031)",
    })
    void unsupportedFormatsAreRejectedByName(String name, String described) {
        AudioFormatException e = assertThrows(AudioFormatException.class,
                () -> reader.read(TestFiles.path("unsupported/" + name + ".wav")));
        assertTrue(e.getMessage().startsWith("unsupported WAV format: " + described), e.getMessage());
        assertTrue(e.getMessage().contains("supported: 16-bit integer PCM"), e.getMessage());
    }

    /**
     * Rewrites a plain fmt chunk (tag 1, 3, 6 or 7) as WAVE_FORMAT_EXTENSIBLE with the same
     * fields and that tag as sub-format, placed directly after the RIFF header; every other
     * chunk is copied in order.
     */
    static byte[] toExtensible(byte[] plain) {
        int fmt = TestFiles.chunkOffset(plain, "fmt ");
        long fmtSize = TestFiles.u32(plain, fmt + 4);
        byte[] ext = new byte[8 + 40];
        System.arraycopy("fmt ".getBytes(StandardCharsets.US_ASCII), 0, ext, 0, 4);
        TestFiles.putU32(ext, 4, 40);
        System.arraycopy(plain, fmt + 8, ext, 8, 16); // tag, channels, rate, byte rate, block align, bits
        int tag = TestFiles.u16(plain, fmt + 8);
        int bits = TestFiles.u16(plain, fmt + 22);
        TestFiles.putU16(ext, 8, 0xFFFE);
        TestFiles.putU16(ext, 8 + 16, 22);   // cbSize
        TestFiles.putU16(ext, 8 + 18, bits); // valid bits
        TestFiles.putU32(ext, 8 + 20, 0);    // channel mask: unspecified
        // KSDATAFORMAT_SUBTYPE_xxx = {0000tttt-0000-0010-8000-00AA00389B71}, Data1..3 little-endian
        byte[] guid = {0, 0, 0, 0, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71};
        TestFiles.putU16(guid, 0, tag);
        System.arraycopy(guid, 0, ext, 8 + 24, 16);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(plain, 0, 12);
        out.write(ext, 0, ext.length);
        long skipFmt = 8 + fmtSize + (fmtSize & 1);
        out.write(plain, 12, fmt - 12);
        int after = (int) (fmt + skipFmt);
        out.write(plain, after, plain.length - after);
        byte[] result = out.toByteArray();
        TestFiles.putU32(result, 4, result.length - 8);
        return result;
    }
}
