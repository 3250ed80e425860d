package dev.emostream.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A corpus manifest: a CSV file with a header and at least a {@code file} column naming each audio
 * file relative to an audio directory (the format of ../shared/data manifests:
 * file,corpus,speaker,gender,emotion,sentence,duration_s,...). Fields may be quoted and contain
 * commas (sentences do).
 */
record Manifest(List<String> columns, List<Map<String, String>> rows) {
    static final String FILE_COLUMN = "file";

    /** Caps what one manifest may hold, so a wrong file (a WAV, a huge log) fails fast. */
    static final int MAX_ROWS = 1_000_000;

    static Manifest read(Path csv) throws IOException {
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true)
                .setIgnoreSurroundingSpaces(true).setIgnoreEmptyLines(true).get();
        try (Reader reader = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
             CSVParser parser = CSVParser.parse(reader, format)) {
            List<String> columns = parser.getHeaderNames();
            if (!columns.contains(FILE_COLUMN)) {
                throw new IllegalArgumentException("manifest " + csv + " has no '" + FILE_COLUMN
                        + "' column (columns: " + String.join(", ", columns) + ")");
            }
            List<Map<String, String>> rows = new ArrayList<>();
            for (CSVRecord record : parser) {
                if (rows.size() == MAX_ROWS) {
                    throw new IllegalArgumentException("manifest " + csv + " has more than " + MAX_ROWS + " rows");
                }
                if (!record.isConsistent()) {
                    throw new IllegalArgumentException("manifest " + csv + " line " + parser.getCurrentLineNumber()
                            + ": " + record.size() + " fields, header has " + columns.size());
                }
                Map<String, String> row = new LinkedHashMap<>();
                for (String column : columns) {
                    row.put(column, record.get(column));
                }
                if (row.get(FILE_COLUMN).isBlank()) {
                    throw new IllegalArgumentException("manifest " + csv + " line " + parser.getCurrentLineNumber()
                            + ": empty '" + FILE_COLUMN + "'");
                }
                rows.add(row);
            }
            return new Manifest(List.copyOf(columns), rows);
        } catch (java.io.UncheckedIOException e) {
            throw new IllegalArgumentException("manifest " + csv + ": " + e.getCause().getMessage(), e);
        }
    }
}
