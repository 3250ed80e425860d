package dev.emostream.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

/**
 * A corpus manifest: a CSV file with a header and at least a {@code file} column naming each audio
 * file relative to an audio directory (the format of ../shared/data manifests:
 * file,corpus,speaker,gender,emotion,sentence,duration_s,...). Fields may be quoted and contain
 * commas (sentences do). A UTF-8 byte order mark (spreadsheet exports write one) is skipped.
 */
record Manifest(List<String> columns, List<Map<String, String>> rows) {
    static final String FILE_COLUMN = "file";

    /** Caps what one manifest may hold, so a wrong file (a WAV, a huge log) fails fast. */
    static final int MAX_ROWS = 1_000_000;

    private static final int BYTE_ORDER_MARK = '\uFEFF';

    static Manifest read(Path csv) throws IOException {
        if (Files.isDirectory(csv)) {
            throw new IllegalArgumentException("manifest " + csv + " is a directory: give the manifest's CSV file");
        }
        // Duplicates are allowed through the parser so the check below can name the column.
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true)
                .setIgnoreSurroundingSpaces(true).setIgnoreEmptyLines(true)
                .setDuplicateHeaderMode(DuplicateHeaderMode.ALLOW_ALL).get();
        try (BufferedReader reader = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
             CSVParser parser = parse(csv, skipByteOrderMark(reader), format)) {
            List<String> columns = parser.getHeaderNames();
            requireDistinct(csv, columns);
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
                for (int i = 0; i < columns.size(); i++) {
                    row.put(columns.get(i), record.get(i));
                }
                if (row.get(FILE_COLUMN).isBlank()) {
                    throw new IllegalArgumentException("manifest " + csv + " line " + parser.getCurrentLineNumber()
                            + ": empty '" + FILE_COLUMN + "'");
                }
                rows.add(row);
            }
            if (rows.isEmpty()) {
                throw new IllegalArgumentException("manifest " + csv + " has no rows");
            }
            return new Manifest(List.copyOf(columns), rows);
        } catch (java.io.UncheckedIOException e) {
            throw new IllegalArgumentException("manifest " + csv + ": " + e.getCause().getMessage(), e);
        }
    }

    private static BufferedReader skipByteOrderMark(BufferedReader reader) throws IOException {
        reader.mark(1);
        if (reader.read() != BYTE_ORDER_MARK) {
            reader.reset();
        }
        return reader;
    }

    /** Reads the header; a malformed one (a blank column name) is reported with the manifest's name. */
    private static CSVParser parse(Path csv, BufferedReader reader, CSVFormat format) throws IOException {
        try {
            return CSVParser.parse(reader, format);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("manifest " + csv + ": " + e.getMessage(), e);
        }
    }

    private static void requireDistinct(Path csv, List<String> columns) {
        Set<String> seen = new HashSet<>();
        for (String column : columns) {
            if (!seen.add(column)) {
                throw new IllegalArgumentException("manifest " + csv + ": duplicate column '" + column + "'");
            }
        }
    }
}
