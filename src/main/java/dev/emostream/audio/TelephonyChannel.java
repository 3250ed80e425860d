package dev.emostream.audio;

import java.util.Locale;

/**
 * What a narrowband telephone line does to audio: band-limits and resamples it to 8 kHz, then
 * quantises every sample through G.711 (mu-law or A-law) and back. The output is 8 kHz audio as a
 * call-center media server would deliver it, so a model can be trained and evaluated on the
 * telephony condition through the same decoder and resampler the service runs. Streaming and
 * chunk-invariant (the resampler is, and G.711 works sample by sample). One instance per stream.
 */
public final class TelephonyChannel {
    public static final int RATE = 8_000;

    /** The G.711 companding law of the simulated line. */
    public enum Law {
        MULAW, ALAW;

        public static Law parse(String text) {
            return switch (text.trim().toLowerCase(Locale.ROOT).replace("-", "")) {
                case "mulaw", "ulaw" -> MULAW;
                case "alaw" -> ALAW;
                default -> throw new IllegalArgumentException("unknown G.711 law '" + text + "': expected mulaw or alaw");
            };
        }
    }

    private final Resampler toNarrowband;
    private final Law law;

    public TelephonyChannel(int inputRate, Law law) {
        this.toNarrowband = new Resampler(inputRate, RATE);
        this.law = law;
    }

    /** Upper bound on what {@link #process} writes for {@code inputLen} samples. */
    public int maxOutput(int inputLen) {
        return toNarrowband.maxOutput(inputLen);
    }

    public int maxFlushOutput() {
        return toNarrowband.maxFlushOutput();
    }

    /** Takes mono samples at the input rate; writes the 8 kHz G.711-quantised samples now complete. */
    public int process(float[] in, int off, int len, float[] out, int outOff) {
        int n = toNarrowband.process(in, off, len, out, outOff);
        companding(out, outOff, n);
        return n;
    }

    /** Ends the stream: the resampler's look-ahead is filled with silence. */
    public int flush(float[] out, int outOff) {
        int n = toNarrowband.flush(out, outOff);
        companding(out, outOff, n);
        return n;
    }

    private void companding(float[] x, int off, int n) {
        for (int i = off; i < off + n; i++) {
            // to 16-bit (rounded, clipped as a codec input would be), through the codec, and back
            long scaled = Math.round(x[i] * 32768.0);
            short s16 = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, scaled));
            short decoded = law == Law.MULAW ? G711.ulawToLinear(G711.linearToUlaw(s16))
                    : G711.alawToLinear(G711.linearToAlaw(s16));
            x[i] = decoded / 32768f;
        }
    }

    /** A whole signal at {@code inputRate} through a fresh line, flushed: what a call would carry of it, at 8 kHz. */
    public static float[] carry(float[] signal, int inputRate, Law law) {
        TelephonyChannel line = new TelephonyChannel(inputRate, law);
        float[] out = new float[line.maxOutput(signal.length) + line.maxFlushOutput()];
        int n = line.process(signal, 0, signal.length, out, 0);
        n += line.flush(out, n);
        return java.util.Arrays.copyOf(out, n);
    }
}
