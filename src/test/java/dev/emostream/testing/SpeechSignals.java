package dev.emostream.testing;

import dev.emostream.audio.ChannelSelection;
import dev.emostream.audio.Resampler;
import dev.emostream.audio.WavAudio;
import dev.emostream.audio.WavReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Test signals with known speech and non-speech segments, at 16 kHz: speech synthesised by espeak-ng
 * (its true extent measured on the synthesised audio), digital silence, white noise, and
 * music-like tones (a chord with vibrato and note changes).
 */
public final class SpeechSignals {
    public static final int RATE = 16_000;

    /** A segment of a composed signal; {@code speech} segments are the expected utterances. */
    public record Segment(String kind, long startSample, long endSample, boolean speech) {
        public double startSeconds() {
            return startSample / (double) RATE;
        }

        public double endSeconds() {
            return endSample / (double) RATE;
        }
    }

    /** A composed signal and where its speech really is. */
    public record Composed(float[] samples, List<Segment> segments) {
        public List<Segment> speech() {
            return segments.stream().filter(Segment::speech).toList();
        }
    }

    private final List<float[]> parts = new ArrayList<>();
    private final List<Segment> segments = new ArrayList<>();
    private long length;
    private final Random random = new Random(7);

    /** Skips the calling test with a clear message when espeak-ng is not installed. */
    public static void assumeEspeak() {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/espeak-ng")),
                "espeak-ng is not installed (apt-get install espeak-ng): no synthetic speech to test the VAD with");
    }

    /** espeak-ng's rendering of {@code text} at 16 kHz, trimmed to its audible extent. */
    public static float[] speak(String text, String voice) throws IOException, InterruptedException {
        Path wav = Files.createTempFile("espeak", ".wav");
        try {
            Process p = new ProcessBuilder("/usr/bin/espeak-ng", "-v", voice, "-s", "150", "-w", wav.toString(), text)
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("espeak-ng failed for '" + text + "'");
            }
            WavAudio audio = new WavReader().read(wav);
            float[] mono = audio.mono(ChannelSelection.downmix());
            float[] x = mono;
            if (audio.sampleRate() != RATE) {
                Resampler r = new Resampler(audio.sampleRate(), RATE);
                float[] out = new float[r.maxOutput(mono.length) + r.maxFlushOutput()];
                int n = r.process(mono, 0, mono.length, out, 0);
                n += r.flush(out, n);
                x = Arrays.copyOf(out, n);
            }
            return trim(x);
        } finally {
            Files.deleteIfExists(wav);
        }
    }

    /** The samples from the first to the last one above 2% of the peak: the speech's true extent. */
    static float[] trim(float[] x) {
        float peak = 0;
        for (float v : x) {
            peak = Math.max(peak, Math.abs(v));
        }
        int first = 0;
        int last = x.length - 1;
        while (first < last && Math.abs(x[first]) < 0.02f * peak) {
            first++;
        }
        while (last > first && Math.abs(x[last]) < 0.02f * peak) {
            last--;
        }
        return Arrays.copyOfRange(x, first, last + 1);
    }

    public SpeechSignals speech(float[] speech) {
        return add("speech", speech, true);
    }

    public SpeechSignals silence(double seconds) {
        return add("silence", new float[(int) (seconds * RATE)], false);
    }

    /** White noise at {@code dbfs} RMS. */
    public SpeechSignals noise(double seconds, double dbfs) {
        float[] x = new float[(int) (seconds * RATE)];
        double rms = Math.pow(10, dbfs / 20);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * rms);
        }
        return add("noise", x, false);
    }

    /** Music-like: a three-note chord with harmonics and vibrato, changing every half second. */
    public SpeechSignals tones(double seconds) {
        float[] x = new float[(int) (seconds * RATE)];
        double[][] chords = {{261.6, 329.6, 392.0}, {220.0, 277.2, 329.6}, {293.7, 370.0, 440.0}};
        for (int i = 0; i < x.length; i++) {
            double t = i / (double) RATE;
            double[] chord = chords[(int) (t / 0.5) % chords.length];
            double v = 0;
            for (double f : chord) {
                double vib = f * (1 + 0.003 * Math.sin(2 * Math.PI * 5 * t));
                for (int h = 1; h <= 3; h++) {
                    v += Math.sin(2 * Math.PI * vib * h * t) / (h * 2.0);
                }
            }
            x[i] = (float) (0.08 * v);
        }
        return add("tones", x, false);
    }

    private SpeechSignals add(String kind, float[] x, boolean speech) {
        parts.add(x);
        segments.add(new Segment(kind, length, length + x.length, speech));
        length += x.length;
        return this;
    }

    public Composed build() {
        float[] all = new float[(int) length];
        int pos = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, pos, p.length);
            pos += p.length;
        }
        return new Composed(all, List.copyOf(segments));
    }
}
