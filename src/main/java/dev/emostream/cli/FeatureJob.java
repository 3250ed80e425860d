package dev.emostream.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One unit of work of {@code features}: an audio file, where its features go, its manifest row
 * (null for files named on the command line) and, when it must not run, why ({@code refusal}).
 */
record FeatureJob(Path audio, Path output, Map<String, String> row, String refusal) {

    static FeatureJob of(Path audio, Path output, Map<String, String> row) {
        return new FeatureJob(audio, output, row, null);
    }

    static FeatureJob refused(Path audio, Map<String, String> row, String reason) {
        return new FeatureJob(audio, null, row, reason);
    }

    boolean runnable() {
        return refusal == null;
    }

    /** The file column of its manifest row, or the path it was given as. */
    String name() {
        return row != null ? row.get(Manifest.FILE_COLUMN) : audio.toString();
    }

    /** {@code x.wav} -> {@code x.npy}: the output name of an audio file. */
    static String npyName(String audioName) {
        int dot = audioName.lastIndexOf('.');
        return (dot > 0 ? audioName.substring(0, dot) : audioName) + ".npy";
    }

    /**
     * Refuses every job whose output another job, earlier in the list, writes already: a/x.wav and
     * b/x.wav on the command line, a.wav and a.flac, or a manifest row listed twice. The first one
     * wins; the others fail naming it, instead of one silently overwriting the other.
     */
    static List<FeatureJob> refuseOutputClashes(List<FeatureJob> jobs) {
        Map<Path, FeatureJob> firstByOutput = new HashMap<>();
        List<FeatureJob> checked = new ArrayList<>(jobs.size());
        for (FeatureJob job : jobs) {
            if (!job.runnable()) {
                checked.add(job);
                continue;
            }
            FeatureJob first = firstByOutput.putIfAbsent(job.output().toAbsolutePath().normalize(), job);
            checked.add(first == null ? job : refused(job.audio(), job.row(), clash(job, first)));
        }
        return checked;
    }

    private static String clash(FeatureJob job, FeatureJob first) {
        if (first.audio().equals(job.audio())) {
            return "listed twice: its output " + job.output() + " is written for the first entry only";
        }
        return "output clashes with " + first.name() + ": both would write " + job.output()
                + " (the first one is kept)";
    }
}
