package dev.emostream.cli;

import dev.emostream.audio.ChannelSelection;
import dev.emostream.audio.TelephonyChannel;
import dev.emostream.audio.WavAudio;
import dev.emostream.audio.WavReader;
import dev.emostream.model.EmotionModel;
import dev.emostream.model.ModelDescriptor;
import dev.emostream.vad.SileroVad;
import dev.emostream.vad.SpeechClassifier;
import dev.emostream.vad.VadSettings;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code emostream eval}: streams every clip of a manifest through the same Java path as the
 * service (chunks of N ms, carried state) and reports clip-level accuracy. Its last line is
 * exactly {@code accuracy=<0..1> macro_f1=<0..1> n=<clips>}.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Streams every clip of a manifest through the service's path and reports the accuracy.",
            "Clips (columns file, emotion) go through the model in chunks with carried state; it prints",
            "accuracy, macro-F1, per-class figures, the confusion matrix and accuracy after 0.5, 1, 2, 3 s",
            "of audio. The clip's decision is the last step's posterior.",
            "Last line: accuracy=<0..1> macro_f1=<0..1> n=<clips>."})
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--manifest", required = true, paramLabel = "M.csv", description = "Manifest with 'file' and 'emotion' columns.")
    Path manifest;

    @Option(names = "--audio-dir", paramLabel = "DIR", description = "Where 'file' paths are relative to (default: the manifest's folder).")
    Path audioDir;

    @Option(names = "--chunk-ms", paramLabel = "MS", defaultValue = "20",
            description = "Chunk size fed to the streaming path (default: ${DEFAULT-VALUE}).")
    int chunkMs;

    @Option(names = "--restrict-labels", description = "Decide only among the labels that occur in the manifest "
            + "(for corpora that use part of the label set). Default: all of the model's labels.")
    boolean restrictLabels;

    @Option(names = "--speakers", paramLabel = "S1,S2", split = ",",
            description = "Only the clips of these speakers (the manifest's 'speaker' column): a held-out fold.")
    List<String> speakers;

    @Option(names = "--threads", paramLabel = "N", description = "Clips processed in parallel (default: cores).")
    Integer threads;

    @Option(names = "--telephony", paramLabel = "mulaw|alaw", converter = FeaturesCommand.TelephonyLawConverter.class,
            description = "Pass every clip through a simulated 8 kHz G.711 telephone line first (the call-center condition).")
    TelephonyChannel.Law telephony;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON (for plots).")
    Path json;

    @Option(names = "--chain", paramLabel = "N", defaultValue = "1",
            description = "Stream N clips of one speaker back to back as one stream (silence between, --gap-ms), as in a call; "
                    + "each clip is decided by the utterances starting in it. Needs the VAD and a 'speaker' column (default: 1, each clip alone).")
    int chain;

    @Option(names = "--gap-ms", paramLabel = "MS", defaultValue = "1000", description = "Silence between chained clips (default: ${DEFAULT-VALUE}).")
    int gapMs;

    @Mixin
    ModelOptions modelOptions;

    /** Without the VAD (--no-vad) the decision after N s is after N s of audio only. */
    @Mixin
    VadOptions vadOptions;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    private final java.util.concurrent.atomic.LongAdder sileroWindows = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder quietWindows = new java.util.concurrent.atomic.LongAdder();

    /** One clip's outcome: true label, decision at the end and at each checkpoint, or an error. */
    record ClipResult(String file, int truth, int end, int[] at, int[] atSpeech, int mean, String error) {
        ClipResult(String file, int truth, String error) {
            this(file, truth, -1, null, null, -1, error);
        }
    }

    @Override
    public Integer call() throws Exception {
        modelOptions.validate(commandSpec);
        if (chunkMs < 1 || chunkMs > 10_000) {
            throw new ParameterException(commandSpec.commandLine(), "--chunk-ms must be in [1, 10000], got " + chunkMs);
        }
        int workers = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (workers < 1 || workers > 64) {
            throw new ParameterException(commandSpec.commandLine(), "--threads must be in [1, 64], got " + workers);
        }
        if (chain < 1 || chain > 100 || gapMs < 0 || gapMs > 60_000) {
            throw new ParameterException(commandSpec.commandLine(), "--chain must be in [1, 100] and --gap-ms in [0, 60000]");
        }
        if (chain > 1 && gapMs < VadSettings.DEFAULTS.minSilenceMs()) {
            throw new ParameterException(commandSpec.commandLine(), "--gap-ms must be at least the VAD's min silence ("
                    + VadSettings.DEFAULTS.minSilenceMs() + " ms), or chained clips would merge into one utterance");
        }
        if (chain > 1 && vadOptions.noVad) {
            throw new ParameterException(commandSpec.commandLine(), "--chain decides clips by their utterances: it needs the VAD (drop --no-vad)");
        }
        PrintWriter out = commandSpec.commandLine().getOut();
        PrintWriter err = commandSpec.commandLine().getErr();
        Manifest m = Manifest.read(manifest);
        if (!m.columns().contains("emotion")) {
            throw new IllegalArgumentException("manifest " + manifest + " has no 'emotion' column");
        }
        Path base = audioDir != null ? audioDir : manifest.toAbsolutePath().getParent();
        try (EmotionModel model = modelOptions.load(commandSpec, 1);
             SileroVad vad = vadOptions.load()) {
            vadOptions.checkQueue(commandSpec, modelOptions.maxQueuedFrames, model.descriptor().featureSpec().hopLength());
            ModelDescriptor d = model.descriptor();
            List<String> labels = d.labels();
            boolean[] allowed = new boolean[labels.size()];
            List<Map<String, String>> rows = new ArrayList<>();
            int skipped = 0;
            if (speakers != null && !m.columns().contains("speaker")) {
                throw new IllegalArgumentException("--speakers given but manifest " + manifest + " has no 'speaker' column");
            }
            for (Map<String, String> row : m.rows()) {
                if (speakers != null && !speakers.contains(row.get("speaker"))) {
                    continue;
                }
                int k = labels.indexOf(row.get("emotion"));
                if (k < 0) {
                    skipped++;
                    continue;
                }
                allowed[k] = true;
                rows.add(row);
            }
            if (!restrictLabels) {
                Arrays.fill(allowed, true);
            }
            out.printf(Locale.ROOT, "model %s on %s; %d clips%s, %d ms chunks, %s%s%s%n", d.modelVersion(), model.provider(),
                    rows.size(), chain > 1 ? " in chains of " + chain + " per speaker (" + gapMs + " ms apart)" : "", chunkMs, vadOptions.describe(), restrictLabels ? ", decisions among the manifest's labels" : "",
                    skipped > 0 ? "; " + skipped + " rows skipped (label not in the model)" : "");
            out.flush();

            ClassificationReport report = new ClassificationReport(labels);
            List<ClipResult> failures = new ArrayList<>();
            ProgressBar progress = ProgressBar.forStderr(rows.size(), "clips");
            ExecutorService pool = Executors.newFixedThreadPool(workers);
            try {
                List<Future<List<ClipResult>>> futures = new ArrayList<>();
                if (chain > 1) {
                    if (!m.columns().contains("speaker")) {
                        throw new IllegalArgumentException("--chain needs a 'speaker' column in " + manifest);
                    }
                    List<ChainEvaluation.Clip> clips = new ArrayList<>();
                    List<String> owners = new ArrayList<>();
                    for (Map<String, String> row : rows) {
                        clips.add(new ChainEvaluation.Clip(base.resolve(row.get(Manifest.FILE_COLUMN)), labels.indexOf(row.get("emotion"))));
                        owners.add(row.get("speaker"));
                    }
                    for (List<ChainEvaluation.Clip> c : ChainEvaluation.chains(clips, owners, chain, 1)) {
                        futures.add(pool.submit(() -> {
                            List<ClipResult> r = ChainEvaluation.evaluate(model, vad, vadOptions.settings(), c, gapMs, chunkMs,
                                    modelOptions.maxQueuedFrames, allowed);
                            r.forEach(x -> progress.step(x.error() == null));
                            return r;
                        }));
                    }
                } else {
                    for (Map<String, String> row : rows) {
                        futures.add(pool.submit(() -> {
                            ClipResult r = evaluate(model, vad, base.resolve(row.get(Manifest.FILE_COLUMN)),
                                    labels.indexOf(row.get("emotion")), allowed);
                            progress.step(r.error() == null);
                            return List.of(r);
                        }));
                    }
                }
                for (Future<List<ClipResult>> f : futures) {
                    List<ClipResult> results;
                    try {
                        results = f.get();
                    } catch (ExecutionException e) {
                        throw new IllegalStateException("worker failed: " + e.getCause(), e.getCause());
                    }
                    for (ClipResult r : results) {
                        if (r.error() != null) {
                            failures.add(r);
                        } else {
                            report.add(r.truth(), r.end(), r.at(), r.atSpeech(), r.mean());
                        }
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            if (!failures.isEmpty()) {
                err.printf("%d clip(s) failed and are not counted:%n", failures.size());
                failures.forEach(f -> err.println("  " + f.file() + ": " + f.error()));
                err.flush();
            }
            if (json != null) {
                Files.writeString(json, report.toJson() + "\n", StandardCharsets.UTF_8);
            }
            if (vad != null && chain == 1) {
                long silero = sileroWindows.sum();
                long quiet = quietWindows.sum();
                out.printf(Locale.ROOT, "VAD windows: %d through Silero, %d below the quiet floor (%.1f%%)%n", silero, quiet,
                        silero + quiet == 0 ? 0.0 : 100.0 * quiet / (silero + quiet));
            }
            report.print(out);
            out.flush();
            return report.clips() == 0 ? 1 : 0;
        }
    }

    private ClipResult evaluate(EmotionModel model, SileroVad vad, Path file, int truth, boolean[] allowed) {
        try {
            WavAudio audio = new WavReader().read(file);
            float[] mono = audio.mono(ChannelSelection.downmix());
            ModelDescriptor d = model.descriptor();
            double[] checkpoints = ClassificationReport.CHECKPOINTS;
            int[] at = new int[checkpoints.length];
            int[] atSpeech = new int[checkpoints.length];
            Arrays.fill(at, -1);
            Arrays.fill(atSpeech, -1);
            int[] end = {-1};
            float[] sum = new float[d.classCount()];
            int rate = audio.sampleRate();
            if (telephony != null) {
                mono = TelephonyChannel.carry(mono, rate, telephony);
                rate = TelephonyChannel.RATE;
            }
            int sampleRate = d.featureSpec().sampleRate();
            int hop = d.featureSpec().hopLength();
            SpeechClassifier stream = new SpeechClassifier(model, vad, vadOptions.settings(), rate, modelOptions.maxQueuedFrames,
                    (step, endSample, speechFrames, probs) -> {
                        int decision = argmaxAllowed(probs, allowed);
                        end[0] = decision;
                        for (int i = 0; i < probs.length; i++) {
                            sum[i] += probs[i];
                        }
                        for (int i = 0; i < checkpoints.length; i++) {
                            // The latest decision available after the checkpoint's audio (or speech) was heard.
                            if (endSample <= Math.floor(checkpoints[i] * sampleRate + 1e-9)) {
                                at[i] = decision;
                            }
                            if (speechFrames * hop <= Math.floor(checkpoints[i] * sampleRate + 1e-9)) {
                                atSpeech[i] = decision;
                            }
                        }
                    });
            int chunk = Math.max(1, rate * chunkMs / 1000);
            stream.streamAll(mono, chunk);
            sileroWindows.add(stream.sileroWindows());
            quietWindows.add(stream.quietWindows());
            if (end[0] < 0) {
                return new ClipResult(file.toString(), truth, vad == null ? "too short for one model step"
                        : "no speech detected (or too short for one model step)");
            }
            return new ClipResult(file.toString(), truth, end[0], at, vad == null ? null : atSpeech,
                    argmaxAllowed(sum, allowed), null);
        } catch (Exception e) {
            return new ClipResult(file.toString(), truth, Main.describe(e));
        }
    }

    static int argmaxAllowed(float[] p, boolean[] allowed) {
        int best = -1;
        for (int i = 0; i < p.length; i++) {
            if (allowed[i] && (best < 0 || p[i] > p[best])) {
                best = i;
            }
        }
        return best;
    }
}
