package dev.emostream.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * The index files of a manifest run: {@code features.csv} (the manifest's rows of the files done,
 * with {@link #ADDED_COLUMNS} appended) and {@code failures.csv} (file, error).
 */
final class FeatureIndex {
    /** Columns features.csv appends to the manifest's; a manifest must not have them already. */
    static final List<String> ADDED_COLUMNS = List.of("features", "frames", "seconds");

    private FeatureIndex() {
    }

    /** Refuses a manifest whose columns would clash with the added ones: features.csv would shift. */
    static void requireNoAddedColumns(Manifest manifest, Path manifestFile) {
        for (String column : ADDED_COLUMNS) {
            if (manifest.columns().contains(column)) {
                throw new IllegalArgumentException("manifest " + manifestFile + " has a '" + column
                        + "' column, which features.csv adds: rename or drop it");
            }
        }
    }

    static void write(Path outDir, Manifest manifest, List<FeatureOutcome> outcomes) throws IOException {
        writeFeatures(outDir, manifest, outcomes);
        writeFailures(outDir, outcomes);
    }

    private static void writeFeatures(Path outDir, Manifest manifest, List<FeatureOutcome> outcomes) throws IOException {
        List<String> header = new ArrayList<>(manifest.columns());
        header.addAll(ADDED_COLUMNS);
        try (BufferedWriter w = Files.newBufferedWriter(outDir.resolve("features.csv"), StandardCharsets.UTF_8);
             CSVPrinter csv = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setHeader(header.toArray(new String[0])).get())) {
            for (FeatureOutcome o : outcomes) {
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

    private static void writeFailures(Path outDir, List<FeatureOutcome> outcomes) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(outDir.resolve("failures.csv"), StandardCharsets.UTF_8);
             CSVPrinter csv = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setHeader("file", "error").get())) {
            for (FeatureOutcome o : outcomes) {
                if (!o.ok()) {
                    csv.printRecord(o.job().name(), o.error());
                }
            }
        }
    }
}
