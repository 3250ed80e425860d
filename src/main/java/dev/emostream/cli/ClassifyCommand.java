package dev.emostream.cli;

import dev.emostream.audio.ChannelSelection;
import dev.emostream.audio.WavAudio;
import dev.emostream.audio.WavReader;
import dev.emostream.model.EmotionModel;
import dev.emostream.model.ModelDescriptor;
import dev.emostream.model.StreamClassifier;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code emostream classify FILE.wav}: the emotion timeline of one file, as the service would stream it. */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = "Streams a WAV file through the model in small chunks and prints its emotion timeline "
                + "(time, label, confidence), then the decision at the end of the file.")
final class ClassifyCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE.wav", description = "Audio file (s16le, f32le, mu-law or A-law WAV).")
    Path file;

    @Option(names = "--every-ms", paramLabel = "MS", defaultValue = "500",
            description = "Timeline interval in ms of audio (default: ${DEFAULT-VALUE}).")
    int everyMs;

    @Option(names = "--chunk-ms", paramLabel = "MS", defaultValue = "20",
            description = "Chunk size fed to the streaming path (default: ${DEFAULT-VALUE}).")
    int chunkMs;

    @Option(names = "--channel", paramLabel = "mix|N", defaultValue = "mix",
            converter = FeaturesCommand.ChannelConverter.class,
            description = "Multi-channel input: 'mix' or a 0-based channel (default: ${DEFAULT-VALUE}).")
    ChannelSelection channel;

    @Mixin
    ModelOptions modelOptions;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Override
    public Integer call() throws Exception {
        modelOptions.validate(commandSpec);
        if (everyMs < 10 || chunkMs < 1 || chunkMs > 10_000) {
            throw new ParameterException(commandSpec.commandLine(), "--every-ms must be >= 10 and --chunk-ms in [1, 10000]");
        }
        PrintWriter out = commandSpec.commandLine().getOut();
        WavAudio audio = new WavReader().read(file);
        float[] mono = audio.mono(channel);
        try (EmotionModel model = modelOptions.load(commandSpec, 1)) {
            ModelDescriptor d = model.descriptor();
            List<String> labels = d.labels();
            double stepSeconds = d.stepSeconds();
            double firstStepEnd = StepTiming.stepEndSeconds(d, 0);
            out.printf(Locale.ROOT, "%s: %.2f s, %d Hz, model %s on %s%n", file, audio.durationSeconds(),
                    audio.sampleRate(), d.modelVersion(), model.provider());
            out.printf(Locale.ROOT, "%8s  %-10s %s%n", "time", "label", "confidence");
            float[][] last = {null};
            double[] nextReport = {everyMs / 1000.0};
            StreamClassifier stream = new StreamClassifier(model, audio.sampleRate(), modelOptions.maxQueuedFrames,
                    (state, step, probs) -> {
                        last[0] = probs.clone();
                        double t = firstStepEnd + step * stepSeconds;
                        if (t + 1e-9 >= nextReport[0]) {
                            int k = argmax(probs);
                            out.printf(Locale.ROOT, "%7.2fs  %-10s %.3f%n", t, labels.get(k), probs[k]);
                            nextReport[0] += everyMs / 1000.0;
                        }
                    });
            int chunk = Math.max(1, audio.sampleRate() * chunkMs / 1000);
            stream.streamAll(mono, chunk);
            if (last[0] == null) {
                out.printf(Locale.ROOT, "too short for a decision: the first step needs %.0f ms of audio%n", 1000 * firstStepEnd);
                return 1;
            }
            int k = argmax(last[0]);
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < labels.size(); i++) {
                all.append(String.format(Locale.ROOT, "%s%s=%.3f", i == 0 ? "" : " ", labels.get(i), last[0][i]));
            }
            out.printf(Locale.ROOT, "final: %s %.3f (%s)%n", labels.get(k), last[0][k], all);
            out.flush();
            return 0;
        }
    }

    static int argmax(float[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return best;
    }
}
