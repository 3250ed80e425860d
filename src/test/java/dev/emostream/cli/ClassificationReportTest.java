package dev.emostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClassificationReportTest {
    private static final int[] NONE = {-1, -1, -1, -1};

    @Test
    void figuresFollowTheirDefinitions() {
        // three classes, the third never occurs: 4 x a (3 right, 1 as b), 2 x b (1 right, 1 as a)
        ClassificationReport r = new ClassificationReport(List.of("a", "b", "c"));
        r.add(0, 0, new int[] {0, 0, 1, 0});
        r.add(0, 0, NONE);
        r.add(0, 0, NONE);
        r.add(0, 1, NONE);
        r.add(1, 1, new int[] {1, -1, 1, 1});
        r.add(1, 0, NONE);

        assertEquals(6, r.clips());
        assertEquals(4 / 6.0, r.accuracy(), 1e-12);
        assertEquals(3 / 4.0, r.precision(0), 1e-12);   // predicted a: 3 right of 4
        assertEquals(3 / 4.0, r.recall(0), 1e-12);
        assertEquals(1 / 2.0, r.precision(1), 1e-12);
        assertEquals(1 / 2.0, r.recall(1), 1e-12);
        // macro-F1 averages the classes that occur (a: 0.75, b: 0.5), not the absent c
        assertEquals((0.75 + 0.5) / 2, r.macroF1(), 1e-12);
        assertEquals(2 / 6.0, r.accuracyAt(0), 1e-12);
        assertEquals(1 / 6.0, r.accuracyAt(1), 1e-12);   // the b clip had no decision yet: wrong
        assertEquals(1 / 6.0, r.accuracyAt(2), 1e-12);
    }

    @Test
    void lastLineIsTheMachineReadableSummary() {
        ClassificationReport r = new ClassificationReport(List.of("a", "b"));
        r.add(0, 0, NONE);
        r.add(1, 0, NONE);
        StringWriter text = new StringWriter();
        r.print(new PrintWriter(text, true));
        List<String> lines = text.toString().lines().toList();
        assertEquals("accuracy=0.5000 macro_f1=0.3333 n=2", lines.get(lines.size() - 1));
        assertTrue(r.toJson().contains("\"confusion\""));
    }
}
