package dev.emostream.cli;

import dev.emostream.model.EmotionModel;
import dev.emostream.vad.SileroVad;
import dev.emostream.audio.ChannelSelection;
import dev.emostream.audio.Resampler;
import dev.emostream.audio.TelephonyChannel;
import dev.emostream.audio.WavReader;
import dev.emostream.features.FeatureSpec;
import dev.emostream.features.StreamingFeatureExtractor;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code emostream features}: feature arrays (.npy, float32 [frames, features]) for WAV files or
 * for every file of a manifest, computed by the same streaming extractor the service runs, so
 * training and serving share one implementation.
 */
@Command(name = "features", mixinStandardHelpOptions = true, modelTransformer = FeaturesCommand.Description.class)
final class FeaturesCommand implements Callable<Integer> {
    static final int MAX_THREADS = 256;
    /** WavReader.Limits caps data at Integer.MAX_VALUE - 8 bytes (read() holds it in one array). */
    static final long MAX_FILE_MB = 2047;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Parameters(paramLabel = "FILE.wav", arity = "1..*", description = "WAV files to process.")
        List<Path> files;

        @Option(names = "--manifest", paramLabel = "M.csv", description = "Manifest CSV with a 'file' column.")
        Path manifest;
    }

    @Option(names = "--audio-dir", paramLabel = "DIR",
            description = "Directory the manifest's 'file' paths are relative to (default: the manifest's directory).")
    Path audioDir;

    @Option(names = {"-o", "--out-dir"}, paramLabel = "DIR", defaultValue = "features",
            description = "Output directory (default: ${DEFAULT-VALUE}). Manifest runs also write features.csv "
                    + "(the manifest's rows plus features, frames, seconds), failures.csv and feature-spec.json.")
    Path outDir;

    @Option(names = "--spec", paramLabel = "FILE",
            description = "Feature spec JSON (default: the one bundled from models/feature-spec.json).")
    Path specFile;

    @Option(names = "--channel", paramLabel = "mix|N", defaultValue = "mix", converter = ChannelConverter.class,
            description = "Multi-channel input: 'mix' to average the channels, or a 0-based channel (default: ${DEFAULT-VALUE}).")
    ChannelSelection channel;

    @Option(names = "--telephony", paramLabel = "mulaw|alaw", converter = TelephonyLawConverter.class,
            description = "First pass the audio through a simulated telephone line: 8 kHz band limit and a G.711 "
                    + "round trip (mu-law or A-law), as call-center audio arrives. For training and evaluating on "
                    + "the telephony condition.")
    TelephonyChannel.Law telephony;

    @Option(names = "--speed", paramLabel = "F", defaultValue = "1.0",
            description = "Speed perturbation for training: the audio played F times as fast (tempo and pitch together, "
                    + "0.5-2, with the file's rate x F a multiple of 100 Hz, e.g. 0.9 or 1.1 at 16 kHz), before --telephony "
                    + "(default: ${DEFAULT-VALUE}, as recorded).")
    double speed;

    @Option(names = "--vad", description = "Write only the frames the service's speech gate passes to the emotion model "
            + "(Silero VAD with the service's default vad.* settings; whole model steps of each utterance): the model then "
            + "trains on what it hears in service. A clip with no speech fails (listed in failures.csv).")
    boolean vad;

    @Option(names = "--threads", paramLabel = "N",
            description = "Worker threads, 1-" + MAX_THREADS + " (default: the number of cores).")
    Integer threads;

    @Option(names = "--max-file-mb", paramLabel = "MB", defaultValue = "1024",
            description = "Largest audio data a file may hold, in MiB, 1-" + MAX_FILE_MB + " (default: ${DEFAULT-VALUE}).")
    long maxFileMb;

    @CommandLine.Spec
    CommandSpec commandSpec;

    @Override
    public Integer call() throws Exception {
        int workers = validateOptions();
        FeatureSpec spec = loadSpec();
        Manifest manifest = input.manifest == null ? null : Manifest.read(input.manifest);
        if (manifest != null) {
            FeatureIndex.requireNoAddedColumns(manifest, input.manifest);
        }
        List<FeatureJob> jobs = FeatureJob.refuseOutputClashes(
                manifest == null ? jobsForFiles(input.files) : jobsForManifest(manifest));
        // Written first: proves the output directory is writable before any work is done.
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw new NotDirectoryException(outDir.toString()); // createDirectories would say "already exists"
        }
        Files.createDirectories(outDir);
        Files.writeString(outDir.resolve("feature-spec.json"), spec.toJson() + "\n", StandardCharsets.UTF_8);

        WavReader reader = new WavReader(WavReader.Limits.DEFAULT.withMaxDataBytes(maxFileMb << 20));
        long start = System.nanoTime();
        List<FeatureOutcome> outcomes;
        try (SileroVad speech = vad ? SileroVad.loadBundled(1) : null) {
            outcomes = run(jobs, new FeatureFile(spec, channel, reader, telephony, speech,
                    EmotionModel.bundledDescriptor().framesPerStep(), speed), workers);
        }
        double wall = (System.nanoTime() - start) / 1e9;
        try {
            if (manifest != null) {
                FeatureIndex.write(outDir, manifest, outcomes);
            }
        } finally {
            // Every file's failure is reported even when the index cannot be written.
            printSummary(outcomes, wall, Math.min(workers, jobs.size()));
        }
        long failed = outcomes.stream().filter(o -> !o.ok()).count();
        return failed == 0 ? 0 : failed == outcomes.size() ? 1 : Main.EXIT_PARTIAL_FAILURE;
    }

    /** Usage errors (exit code 2, one line): checked before anything is read or written. */
    private int validateOptions() {
        int workers = threads != null ? threads : Math.min(Runtime.getRuntime().availableProcessors(), MAX_THREADS);
        if (workers < 1 || workers > MAX_THREADS) {
            throw usageError("--threads must be in [1, " + MAX_THREADS + "], got " + workers);
        }
        if (!(speed >= 0.5 && speed <= 2.0)) {
            throw usageError("--speed must be in [0.5, 2], got " + speed);
        }
        if (speed != 1.0) {
            try {
                // The common case first: decode.sh writes 16 kHz (other rates are checked per file).
                dev.emostream.audio.Resampler.speedChange(16_000, speed);
            } catch (IllegalArgumentException e) {
                throw usageError("--speed " + speed + ": 16 kHz x speed must be a multiple of 100 Hz (e.g. 0.9, 1.1)");
            }
        }
        if (maxFileMb < 1 || maxFileMb > MAX_FILE_MB) {
            throw usageError("--max-file-mb must be in [1, " + MAX_FILE_MB + "] MiB, got " + maxFileMb);
        }
        return workers;
    }

    private ParameterException usageError(String message) {
        return new ParameterException(commandSpec.commandLine(), message);
    }

    /** Reads the spec and builds an extractor once, so a bad spec is one error, not one per file. */
    private FeatureSpec loadSpec() {
        FeatureSpec spec = specFile == null ? FeatureSpec.bundled() : FeatureSpec.read(specFile);
        new StreamingFeatureExtractor(spec); // builds the mel filters: one covering no FFT bin fails here
        return spec;
    }

    private List<FeatureJob> jobsForFiles(List<Path> files) {
        List<FeatureJob> jobs = new ArrayList<>();
        for (Path file : files) {
            Path name = file.getFileName();
            jobs.add(name == null ? FeatureJob.refused(file, null, "not a file name")
                    : FeatureJob.of(file, outDir.resolve(FeatureJob.npyName(name.toString())), null));
        }
        return jobs;
    }

    private List<FeatureJob> jobsForManifest(Manifest manifest) {
        Path base = audioDir != null ? audioDir : input.manifest.toAbsolutePath().getParent();
        List<FeatureJob> jobs = new ArrayList<>();
        for (Map<String, String> row : manifest.rows()) {
            String file = row.get(Manifest.FILE_COLUMN);
            Path path;
            try {
                path = Path.of(file);
            } catch (InvalidPathException e) {
                jobs.add(FeatureJob.refused(Path.of("."), row, "invalid path '" + file + "': " + e.getReason()));
                continue;
            }
            // Outputs mirror the manifest's paths under --out-dir: never let one escape it.
            Path relative = path.normalize();
            if (path.isAbsolute()) {
                jobs.add(FeatureJob.refused(path, row, "absolute path not allowed in a manifest"));
            } else if (relative.startsWith("..")) {
                jobs.add(FeatureJob.refused(path, row, "path escapes the audio directory"));
            } else if (relative.getFileName() == null || relative.toString().isEmpty()) {
                jobs.add(FeatureJob.refused(path, row, "not a file name"));
            } else {
                Path parent = relative.getParent();
                Path output = (parent == null ? outDir : outDir.resolve(parent))
                        .resolve(FeatureJob.npyName(relative.getFileName().toString()));
                jobs.add(FeatureJob.of(base.resolve(relative), output, row));
            }
        }
        return jobs;
    }

    private static List<FeatureOutcome> run(List<FeatureJob> jobs, FeatureFile extractor, int workers)
            throws InterruptedException {
        ProgressBar progress = ProgressBar.forStderr(jobs.size(), "files");
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(workers, jobs.size()), r -> {
            Thread t = new Thread(r, "features");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<FeatureOutcome>> futures = new ArrayList<>();
            for (FeatureJob job : jobs) {
                futures.add(pool.submit(() -> {
                    FeatureOutcome outcome = extractor.extract(job);
                    progress.step(outcome.ok());
                    return outcome;
                }));
            }
            List<FeatureOutcome> outcomes = new ArrayList<>(jobs.size());
            for (Future<FeatureOutcome> f : futures) {
                try {
                    outcomes.add(f.get());
                } catch (ExecutionException e) {
                    throw new IllegalStateException("worker failed: " + e.getCause(), e.getCause());
                }
            }
            return Collections.unmodifiableList(outcomes);
        } finally {
            pool.shutdownNow();
        }
    }

    private void printSummary(List<FeatureOutcome> outcomes, double wall, int workers) {
        PrintWriter out = commandSpec.commandLine().getOut();
        PrintWriter err = commandSpec.commandLine().getErr();
        List<FeatureOutcome> failures = outcomes.stream().filter(o -> !o.ok()).toList();
        double audioSeconds = outcomes.stream().mapToDouble(FeatureOutcome::seconds).sum();
        out.printf(Locale.ROOT, "%d of %d files -> %s (%.1f s of audio in %.1f s, %.0fx real time on %d threads)%n",
                outcomes.size() - failures.size(), outcomes.size(), outDir, audioSeconds, wall,
                wall > 0 ? audioSeconds / wall : 0, workers);
        out.flush();
        if (!failures.isEmpty()) {
            err.printf("%d file(s) failed:%n", failures.size());
            for (FeatureOutcome f : failures) {
                err.println("  " + f.job().audio() + ": " + f.error());
            }
            err.flush();
        }
    }

    /** Parses --telephony while picocli parses, so a bad value is a usage error. */
    static final class TelephonyLawConverter implements CommandLine.ITypeConverter<TelephonyChannel.Law> {
        @Override
        public TelephonyChannel.Law convert(String value) {
            try {
                return TelephonyChannel.Law.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** Parses --channel while picocli parses, so a bad value is a usage error. */
    static final class ChannelConverter implements CommandLine.ITypeConverter<ChannelSelection> {
        @Override
        public ChannelSelection convert(String value) {
            try {
                return ChannelSelection.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** The description, with the input rates taken from the resampler so --help cannot drift from it. */
    static final class Description implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            String rates = Arrays.stream(Resampler.supportedRates()).mapToObj(Integer::toString)
                    .collect(Collectors.joining(", "));
            spec.usageMessage().description(
                    "Writes feature arrays (.npy, float32 [frames, features]): one per WAV file, or one per file"
                            + " of a manifest CSV with a 'file' column (the shared corpora's manifest.csv).",
                    "Input: s16le, f32le, mu-law or A-law WAV at " + rates + " Hz, resampled to the spec's rate.",
                    "Bad files are reported and skipped; the summary lists every failure.",
                    "Exit codes: 0 all files done, 3 some files failed, 1 nothing could be done, 2 bad arguments.");
            return spec;
        }
    }
}
