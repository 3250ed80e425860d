package dev.emostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.emostream.model.ModelDescriptor;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class StepTimingTest {
    private static final ModelDescriptor MODEL =
            ModelDescriptor.read(Path.of(System.getProperty("emostream.projectDir", "."), "models", "emotion-crnn.json"));

    @Test
    void stepsCompleteWhenTheirLastWindowEnds() {
        // 400-sample windows every 160 samples at 16 kHz, 4 frames a step: step 0 needs frames 0-3,
        // whose last window ends at 3 * 160 + 400 = 880 samples = 55 ms; each further step adds 40 ms.
        assertEquals(0.055, StepTiming.stepEndSeconds(MODEL, 0), 1e-12);
        assertEquals(0.095, StepTiming.stepEndSeconds(MODEL, 1), 1e-12);
    }

    @Test
    void checkpointsSeeTheLastCompleteStep() {
        // 0.5 s = 8,000 samples -> 1 + (8000 - 400) / 160 = 48 frames -> 12 steps -> last index 11
        assertEquals(11, StepTiming.lastStepBy(MODEL, 0.5));
        assertEquals(23, StepTiming.lastStepBy(MODEL, 1.0));
        assertEquals(48, StepTiming.lastStepBy(MODEL, 2.0));
        assertEquals(73, StepTiming.lastStepBy(MODEL, 3.0));
        assertEquals(-1, StepTiming.lastStepBy(MODEL, 0.054));
        assertEquals(0, StepTiming.lastStepBy(MODEL, 0.055));
        for (long step = 0; step < 100; step++) {
            assertEquals(step, StepTiming.lastStepBy(MODEL, StepTiming.stepEndSeconds(MODEL, step)));
        }
    }
}
