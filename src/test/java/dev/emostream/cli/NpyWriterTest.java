package dev.emostream.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyWriterTest {
    @TempDir
    Path dir;

    private List<String> files() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void streamedRowsGetTheirCountInTheHeader() throws IOException {
        Path file = dir.resolve("x.npy");
        try (NpyWriter writer = NpyWriter.create(file, 3)) {
            for (int i = 0; i < 1000; i++) {
                writer.append(new float[] {i, -i, i / 7f});
            }
            assertFalse(Files.exists(file), "nothing at the target before commit");
            writer.commit();
        }
        float[][] rows = NpyReader.read(file);
        assertEquals(1000, rows.length);
        assertArrayEquals(new float[] {999, -999, 999 / 7f}, rows[999]);
        assertEquals(List.of("x.npy"), files());
    }

    @Test
    void headerIsAlwaysOneSizeSoItCanBeRewritten() {
        assertEquals(NpyWriter.HEADER_BYTES, NpyWriter.header(0, 40).length);
        assertEquals(NpyWriter.HEADER_BYTES, NpyWriter.header(Long.MAX_VALUE, Integer.MAX_VALUE).length);
    }

    @Test
    void closingWithoutCommitLeavesNothing() throws IOException {
        Path file = dir.resolve("x.npy");
        Files.writeString(file, "previous");
        try (NpyWriter writer = NpyWriter.create(file, 2)) {
            writer.append(new float[] {1, 2});
        }
        assertEquals("previous", Files.readString(file), "the old file stays");
        assertEquals(List.of("x.npy"), files(), "the temporary file is gone");
    }

    @Test
    void twoWritersOfOneTargetDoNotShareATemporaryFile() throws IOException {
        Path file = dir.resolve("x.npy");
        try (NpyWriter a = NpyWriter.create(file, 1); NpyWriter b = NpyWriter.create(file, 1)) {
            a.append(new float[] {1});
            b.append(new float[] {2});
            b.append(new float[] {2});
            a.commit();
            assertEquals(1, NpyReader.read(file).length);
            b.commit();
        }
        assertEquals(2, NpyReader.read(file).length);
        assertEquals(List.of("x.npy"), files());
    }

    @Test
    void rowsOfTheWrongLengthAreRefused() throws IOException {
        try (NpyWriter writer = NpyWriter.create(dir.resolve("x.npy"), 2)) {
            assertThrows(IllegalArgumentException.class, () -> writer.append(new float[3]));
        }
    }
}
