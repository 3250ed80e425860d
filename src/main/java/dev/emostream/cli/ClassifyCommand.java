package dev.emostream.cli;

import dev.emostream.audio.ChannelSelection;
import dev.emostream.audio.WavAudio;
import dev.emostream.audio.WavReader;
import dev.emostream.model.EmotionModel;
import dev.emostream.model.ModelDescriptor;
import dev.emostream.vad.SileroVad;
import dev.emostream.vad.SpeechClassifier;
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
        description = "Streams a WAV file through voice activity detection and the model in small chunks, as the "
                + "service does, and prints its emotion timeline over speech (time, label, confidence), where each "
                + "utterance starts and ends with its result, then the decision at the end of the file.")
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

    @Mixin
    VadOptions vadOptions;

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
        try (EmotionModel model = modelOptions.load(commandSpec, 1);
             SileroVad vad = vadOptions.load()) {
            vadOptions.checkQueue(commandSpec, modelOptions.maxQueuedFrames, model.descriptor().featureSpec().hopLength());
            ModelDescriptor d = model.descriptor();
            List<String> labels = d.labels();
            int rate16k = d.featureSpec().sampleRate();
            out.printf(Locale.ROOT, "%s: %.2f s, %d Hz, model %s on %s, %s%n", file, audio.durationSeconds(),
                    audio.sampleRate(), d.modelVersion(), model.provider(), vadOptions.describe());
            out.printf(Locale.ROOT, "%8s  %-10s %s%n", "time", "label", "confidence");
            float[][] last = {null};
            int[] utterances = {0};
            long everySamples = (long) everyMs * rate16k / 1000;
            long[] nextReport = {everySamples};
            SpeechClassifier stream = new SpeechClassifier(model, vad, vadOptions.settings(), audio.sampleRate(),
                    modelOptions.maxQueuedFrames, new SpeechClassifier.Listener() {
                        @Override
                        public void onStep(long step, long endSample, long speechFrames, float[] probabilities) {
                            last[0] = probabilities.clone();
                            if (endSample >= nextReport[0]) {
                                int k = argmax(probabilities);
                                out.printf(Locale.ROOT, "%7.2fs  %-10s %.3f%n", seconds(endSample), labels.get(k), probabilities[k]);
                                // Silence between utterances has no steps: the timeline resumes at the next interval.
                                nextReport[0] = (endSample / everySamples + 1) * everySamples;
                            }
                        }

                        @Override
                        public void onUtteranceStart(int utterance, long startSample) {
                            utterances[0]++;
                            out.printf(Locale.ROOT, "%7.2fs  utterance %d starts%n", seconds(startSample), utterance);
                        }

                        @Override
                        public void onUtteranceEnd(int utterance, long startSample, long endSample, float[] probabilities) {
                            if (probabilities == null) {
                                out.printf(Locale.ROOT, "%7.2fs  utterance %d ends (%.2f-%.2f s), too short for a step%n",
                                        seconds(endSample), utterance, seconds(startSample), seconds(endSample));
                            } else {
                                int k = argmax(probabilities);
                                out.printf(Locale.ROOT, "%7.2fs  utterance %d ends (%.2f-%.2f s): %s %.3f (mean over it)%n",
                                        seconds(endSample), utterance, seconds(startSample), seconds(endSample),
                                        labels.get(k), probabilities[k]);
                            }
                        }

                        private double seconds(long samples16k) {
                            return samples16k / (double) rate16k;
                        }
                    });
            int chunk = Math.max(1, audio.sampleRate() * chunkMs / 1000);
            stream.streamAll(mono, chunk);
            if (last[0] == null) {
                if (vad != null && utterances[0] > 0) {
                    out.printf(Locale.ROOT, "%d utterance(s), each too short for a model step: no emotion to report%n", utterances[0]);
                } else if (vad != null) {
                    out.println("no speech detected: no emotion to report (--no-vad classifies all audio)");
                } else {
                    out.printf(Locale.ROOT, "too short for a decision: the first step needs %.0f ms of audio%n",
                            1000 * StepTiming.stepEndSeconds(d, 0));
                }
                out.flush();
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
