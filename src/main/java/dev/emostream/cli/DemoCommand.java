package dev.emostream.cli;

import dev.emostream.audio.DemoSignal;
import dev.emostream.audio.ChannelSelection;
import dev.emostream.audio.Encoding;
import dev.emostream.audio.WavAudio;
import dev.emostream.audio.WavReader;
import dev.emostream.audio.WavWriter;
import dev.emostream.features.FeaturePipeline;
import dev.emostream.features.FeatureSpec;
import dev.emostream.model.EmotionModel;
import dev.emostream.model.ExecutionProvider;
import dev.emostream.model.ModelDescriptor;
import dev.emostream.vad.SpeechClassifier;
import dev.emostream.vad.VadSettings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code emostream demo}: runs the streaming audio path end to end on a signal it generates itself,
 * so a newcomer sees it work with nothing but the jar. It writes a 44.1 kHz stereo WAV, reads it
 * back, streams it in small chunks through downmix, resampling to 16 kHz and the feature extractor,
 * checks the frames equal the one-shot computation, and writes them as .npy.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Generates a voice-like test signal (44.1 kHz stereo WAV) and streams it in small chunks "
            + "through decoding, downmix, resampling and the feature extractor.",
            "Checks the streamed frames equal the one-shot computation, writes them as .npy, prints an energy timeline, "
            + "and runs the bundled emotion model over the same stream."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = {"-o", "--out-dir"}, paramLabel = "DIR", defaultValue = "emostream-demo",
            description = "Where the WAV and .npy files go (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Option(names = "--chunk-ms", paramLabel = "MS", defaultValue = "20",
            description = "Chunk size fed to the streaming path, in ms, 1-10000 (default: ${DEFAULT-VALUE}).")
    int chunkMs;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "6",
            description = "Length of the generated signal in seconds, 1-600 (default: ${DEFAULT-VALUE}).")
    double seconds;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    private static final int SOURCE_RATE = 44_100;

    @Override
    public Integer call() throws Exception {
        if (chunkMs < 1 || chunkMs > 10_000) {
            throw new ParameterException(commandSpec.commandLine(), "--chunk-ms must be in [1, 10000], got " + chunkMs);
        }
        if (!(seconds >= 1 && seconds <= 600)) {
            throw new ParameterException(commandSpec.commandLine(), "--seconds must be in [1, 600], got " + seconds);
        }
        PrintWriter out = commandSpec.commandLine().getOut();
        FeatureSpec spec = FeatureSpec.bundled();
        Files.createDirectories(outDir);

        float[] mono = DemoSignal.generate(SOURCE_RATE, seconds, 2026);
        float[] stereo = new float[mono.length * 2];
        for (int i = 0; i < mono.length; i++) {
            stereo[2 * i] = mono[i];
            stereo[2 * i + 1] = 0.5f * mono[i]; // a quieter second channel, as from a second microphone
        }
        Path wav = outDir.resolve("demo-44k1-stereo.wav");
        WavWriter.write(wav, stereo, 2, SOURCE_RATE, Encoding.S16LE);
        out.printf(Locale.ROOT, "wrote %s (%.1f s, %d Hz, 2 channels, s16le)%n", wav, seconds, SOURCE_RATE);

        WavAudio audio = new WavReader().read(wav);
        float[] downmixed = audio.mono(ChannelSelection.downmix());
        int chunk = Math.max(1, audio.sampleRate() * chunkMs / 1000);

        List<float[]> streamed = new ArrayList<>();
        long start = System.nanoTime();
        FeaturePipeline pipeline = new FeaturePipeline(spec, audio.sampleRate());
        for (int pos = 0; pos < downmixed.length; pos += chunk) {
            pipeline.accept(downmixed, pos, Math.min(chunk, downmixed.length - pos), (i, f) -> streamed.add(f.clone()));
        }
        pipeline.finish((i, f) -> streamed.add(f.clone()));
        double elapsed = (System.nanoTime() - start) / 1e9;

        float[][] oneShot = FeaturePipeline.extractAll(spec, audio.sampleRate(), downmixed);
        double maxDiff = oneShot.length == streamed.size() ? 0 : Double.POSITIVE_INFINITY;
        for (int f = 0; f < Math.min(oneShot.length, streamed.size()); f++) {
            for (int k = 0; k < spec.featureCount(); k++) {
                maxDiff = Math.max(maxDiff, Math.abs(oneShot[f][k] - streamed.get(f)[k]));
            }
        }
        out.printf(Locale.ROOT, "streamed in %d ms chunks: downmix -> resample %d -> %d Hz -> %d %s per %.0f ms%n",
                chunkMs, audio.sampleRate(), spec.sampleRate(), spec.featureCount(), spec.output(),
                1000 * spec.frameStepSeconds());
        out.printf(Locale.ROOT, "%d frames in %.3f s (%.0fx real time, including JIT warm-up)%n",
                streamed.size(), elapsed, seconds / elapsed);
        out.printf(Locale.ROOT, "streaming vs one-shot: %d vs %d frames, max |difference| %.3g%n",
                streamed.size(), oneShot.length, maxDiff);

        Path npy = outDir.resolve("demo-44k1-stereo.npy");
        NpyWriter.write(npy, streamed.toArray(new float[0][]), spec.featureCount());
        out.printf(Locale.ROOT, "wrote %s [%d, %d] (python3 -c \"import numpy; print(numpy.load('%s').shape)\")%n",
                npy, streamed.size(), spec.featureCount(), npy);
        printTimeline(out, streamed, spec);
        classify(out, downmixed, audio.sampleRate(), chunk);
        out.flush();
        return maxDiff == 0 ? 0 : 1;
    }

    /** Runs the bundled model over the same stream, the way `classify` does, and prints a decision a second. */
    private static void classify(PrintWriter out, float[] mono, int rate, int chunk) {
        try (EmotionModel model = EmotionModel.loadBundled(ExecutionProvider.AUTO, 1)) {
            ModelDescriptor d = model.descriptor();
            out.printf(Locale.ROOT, "emotion model %s on %s (synthetic vowels: the labels carry no meaning here)%n",
                    d.modelVersion(), model.provider());
            double[] next = {1.0};
            // No VAD: the synthetic vowels are not speech to it, and this demo shows the model path alone.
            SpeechClassifier stream = new SpeechClassifier(model, null, VadSettings.DEFAULTS, rate, 100_000,
                    (step, endSample, speechFrames, p) -> {
                        double t = endSample / (double) d.featureSpec().sampleRate();
                        if (t + 1e-9 >= next[0]) {
                            int k = ClassifyCommand.argmax(p);
                            out.printf(Locale.ROOT, "%5.2fs %-10s %.3f%n", t, d.labels().get(k), p[k]);
                            next[0] += 1.0;
                        }
                    });
            stream.streamAll(mono, chunk);
        }
    }

    /** A frame's overall level: c0 for MFCC (the scaled mean of the log-mel energies), else that mean. */
    private static double energy(float[] frame, FeatureSpec spec) {
        if (spec.output().equals("mfcc")) {
            return frame[0];
        }
        double sum = 0;
        for (float v : frame) {
            sum += v;
        }
        return sum / frame.length;
    }

    /** Frame energy every 250 ms, as a bar. */
    private static void printTimeline(PrintWriter out, List<float[]> frames, FeatureSpec spec) {
        int per = (int) Math.round(0.25 / spec.frameStepSeconds());
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        for (float[] f : frames) {
            lo = Math.min(lo, energy(f, spec));
            hi = Math.max(hi, energy(f, spec));
        }
        out.println("time    energy (" + (spec.output().equals("mfcc") ? "MFCC c0" : "mean log-mel") + ")");
        for (int start = 0; start + per <= frames.size(); start += per) {
            double mean = 0;
            for (int f = start; f < start + per; f++) {
                mean += energy(frames.get(f), spec);
            }
            mean /= per;
            int bar = hi > lo ? (int) Math.round(40 * (mean - lo) / (hi - lo)) : 0;
            out.printf(Locale.ROOT, "%5.2fs %8.1f %s%n", start * spec.frameStepSeconds(), mean, "#".repeat(bar));
        }
    }
}
