package dev.emostream.cli;

import dev.emostream.audio.ChannelSelection;
import dev.emostream.audio.WavAudio;
import dev.emostream.audio.WavReader;
import dev.emostream.features.FeaturePipeline;
import dev.emostream.features.FeatureSpec;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code emostream features}: feature arrays (.npy, float32 [frames, features]) for WAV files or
 * for every file of a manifest, computed by the same streaming extractor the service runs, so
 * training and serving share one implementation.
 */
@Command(name = "features", mixinStandardHelpOptions = true,
        description = {
            "Writes feature arrays (.npy, float32 [frames, features]) that numpy.load reads.",
            "Input: WAV files (s16le, f32le, mu-law, A-law; any of 8-48 kHz, resampled to the spec's rate),",
            "or every file of a manifest CSV with a 'file' column (the ../shared/data format).",
            "Bad files are reported and skipped; the summary lists every failure.",
            "Exit codes: 0 all files done, 3 some files failed, 1 nothing could be done, 2 bad arguments."})
final class FeaturesCommand implements Callable<Integer> {

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

    @Option(names = "--channel", paramLabel = "mix|N", defaultValue = "mix",
            description = "Multi-channel input: 'mix' to average the channels, or a 0-based channel (default: ${DEFAULT-VALUE}).")
    String channel;

    @Option(names = "--threads", paramLabel = "N",
            description = "Worker threads (default: the number of cores).")
    Integer threads;

    @Option(names = "--max-file-mb", paramLabel = "MB", defaultValue = "1024",
            description = "Largest audio data a file may hold, in MiB (default: ${DEFAULT-VALUE}).")
    long maxFileMb;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    /** One unit of work: an audio file, where its features go, and its manifest row (if any). */
    record Job(Path audio, Path output, Map<String, String> row) {
    }

    /** What happened to one job. */
    record Outcome(Job job, long frames, double seconds, String error) {
        boolean ok() {
            return error == null;
        }
    }

    @Override
    public Integer call() throws Exception {
        FeatureSpec spec = specFile == null ? FeatureSpec.bundled() : FeatureSpec.read(specFile);
        ChannelSelection selection = ChannelSelection.parse(channel);
        int workers = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (workers < 1 || workers > 256) {
            throw new IllegalArgumentException("--threads must be in [1, 256], got " + workers);
        }
        if (maxFileMb < 1) {
            throw new IllegalArgumentException("--max-file-mb must be positive, got " + maxFileMb);
        }
        WavReader.Limits limits = WavReader.Limits.DEFAULT.withMaxDataBytes(maxFileMb << 20);
        Files.createDirectories(outDir);

        Manifest manifest = input.manifest == null ? null : Manifest.read(input.manifest);
        List<Job> jobs = manifest == null ? jobsForFiles(input.files) : jobsForManifest(manifest);
        PrintWriter out = commandSpec.commandLine().getOut();
        PrintWriter err = commandSpec.commandLine().getErr();

        long start = System.nanoTime();
        List<Outcome> outcomes = run(jobs, spec, selection, limits, workers);
        double wall = (System.nanoTime() - start) / 1e9;

        List<Outcome> failures = outcomes.stream().filter(o -> !o.ok()).toList();
        double audioSeconds = outcomes.stream().mapToDouble(Outcome::seconds).sum();
        if (manifest != null) {
            writeIndex(manifest, outcomes);
            writeFailures(failures);
        }
        Files.writeString(outDir.resolve("feature-spec.json"), spec.toJson() + "\n", StandardCharsets.UTF_8);

        out.flush();
        out.printf(Locale.ROOT, "%d of %d files -> %s (%.1f s of audio in %.1f s, %.0fx real time on %d threads)%n",
                outcomes.size() - failures.size(), outcomes.size(), outDir, audioSeconds, wall,
                wall > 0 ? audioSeconds / wall : 0, workers);
        if (!failures.isEmpty()) {
            err.printf("%d file(s) failed:%n", failures.size());
            for (Outcome f : failures) {
                err.println("  " + f.job().audio() + ": " + f.error());
            }
            err.flush();
            return failures.size() == outcomes.size() ? 1 : Main.EXIT_PARTIAL_FAILURE;
        }
        return 0;
    }

    private List<Job> jobsForFiles(List<Path> files) {
        List<Job> jobs = new ArrayList<>();
        for (Path file : files) {
            jobs.add(new Job(file, outDir.resolve(npyName(file.getFileName().toString())), null));
        }
        return jobs;
    }

    private List<Job> jobsForManifest(Manifest manifest) {
        Path base = audioDir != null ? audioDir : manifest.rows().isEmpty() ? Path.of(".")
                : input.manifest.toAbsolutePath().getParent();
        List<Job> jobs = new ArrayList<>();
        for (Map<String, String> row : manifest.rows()) {
            String file = row.get(Manifest.FILE_COLUMN);
            Path relative = Path.of(file).normalize();
            if (relative.isAbsolute() || relative.startsWith("..")) {
                // Outputs mirror the manifest's paths under --out-dir: never let one escape it.
                jobs.add(new Job(Path.of(file), null, row));
                continue;
            }
            Path parent = relative.getParent();
            Path output = outDir.resolve(parent == null ? Path.of("") : parent)
                    .resolve(npyName(relative.getFileName().toString()));
            jobs.add(new Job(base.resolve(relative), output, row));
        }
        return jobs;
    }

    static String npyName(String audioName) {
        int dot = audioName.lastIndexOf('.');
        return (dot > 0 ? audioName.substring(0, dot) : audioName) + ".npy";
    }

    private static List<Outcome> run(List<Job> jobs, FeatureSpec spec, ChannelSelection selection,
                                     WavReader.Limits limits, int workers) throws InterruptedException {
        ProgressBar progress = ProgressBar.forStderr(jobs.size(), "files");
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "features");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (Job job : jobs) {
                futures.add(pool.submit(() -> {
                    Outcome outcome = process(job, spec, selection, limits);
                    progress.step(outcome.ok());
                    return outcome;
                }));
            }
            List<Outcome> outcomes = new ArrayList<>(jobs.size());
            for (Future<Outcome> f : futures) {
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

    /** Never throws for a bad file: the failure becomes the outcome, and the run goes on. */
    static Outcome process(Job job, FeatureSpec spec, ChannelSelection selection, WavReader.Limits limits) {
        if (job.output() == null) {
            return new Outcome(job, 0, 0, "path escapes the audio directory");
        }
        try {
            WavAudio audio = new WavReader(limits).read(job.audio());
            float[][] frames = FeaturePipeline.extractAll(spec, audio.sampleRate(), audio.mono(selection));
            if (frames.length == 0) {
                return new Outcome(job, 0, audio.durationSeconds(), String.format(Locale.ROOT,
                        "too short: %.3f s gives no complete %d-sample window", audio.durationSeconds(), spec.winLength()));
            }
            Files.createDirectories(job.output().getParent());
            NpyWriter.write(job.output(), frames, spec.featureCount());
            return new Outcome(job, frames.length, audio.durationSeconds(), null);
        } catch (IOException e) {
            return new Outcome(job, 0, 0, "I/O error: " + Main.describe(e));
        } catch (RuntimeException e) {
            // AudioFormatException, FeatureInputException and their kin carry descriptive messages.
            return new Outcome(job, 0, 0, Main.describe(e));
        } catch (OutOfMemoryError e) {
            return new Outcome(job, 0, 0, "out of memory (lower --max-file-mb or raise -Xmx)");
        }
    }

    private void writeIndex(Manifest manifest, List<Outcome> outcomes) throws IOException {
        List<String> header = new ArrayList<>(manifest.columns());
        header.addAll(List.of("features", "frames", "seconds"));
        try (BufferedWriter w = Files.newBufferedWriter(outDir.resolve("features.csv"), StandardCharsets.UTF_8);
             CSVPrinter csv = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setHeader(header.toArray(new String[0])).get())) {
            for (Outcome o : outcomes) {
                if (!o.ok()) {
                    continue;
                }
                Map<String, String> row = new LinkedHashMap<>(o.job().row());
                row.put("features", outDir.relativize(o.job().output()).toString());
                row.put("frames", Long.toString(o.frames()));
                row.put("seconds", String.format(Locale.ROOT, "%.4f", o.seconds()));
                csv.printRecord(row.values());
            }
        }
    }

    private void writeFailures(List<Outcome> failures) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(outDir.resolve("failures.csv"), StandardCharsets.UTF_8);
             CSVPrinter csv = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setHeader("file", "error").get())) {
            for (Outcome o : failures) {
                csv.printRecord(o.job().row().get(Manifest.FILE_COLUMN), o.error());
            }
        }
    }
}
