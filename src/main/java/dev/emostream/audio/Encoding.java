package dev.emostream.audio;

import java.util.Locale;

/** Sample encodings emostream accepts, on the wire and in WAV files. */
public enum Encoding {
    /** Signed 16-bit little-endian PCM. */
    S16LE(2),
    /** IEEE 754 32-bit float, little-endian, nominal range [-1, 1]. */
    F32LE(4),
    /** ITU-T G.711 mu-law, 8 bits per sample. */
    MULAW(1),
    /** ITU-T G.711 A-law, 8 bits per sample. */
    ALAW(1);

    private final int bytesPerSample;

    Encoding(int bytesPerSample) {
        this.bytesPerSample = bytesPerSample;
    }

    public int bytesPerSample() {
        return bytesPerSample;
    }

    /** Parses a user-supplied name such as {@code s16le}, {@code mulaw} or {@code alaw}. */
    public static Encoding parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        switch (n) {
            case "s16le": case "pcm16": case "pcms16le": return S16LE;
            case "f32le": case "float32": case "pcmf32le": return F32LE;
            case "mulaw": case "ulaw": case "pcmu": return MULAW;
            case "alaw": case "pcma": return ALAW;
            default:
                throw new AudioFormatException("unknown encoding '" + name
                        + "': expected one of s16le, f32le, mulaw, alaw");
        }
    }
}
