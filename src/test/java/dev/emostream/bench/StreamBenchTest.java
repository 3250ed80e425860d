package dev.emostream.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The bench's latency figures, on latencies whose trend is known. */
class StreamBenchTest {

    @Test
    void theMedianDriftIsTheLastQuartersMedianMinusTheFirstQuarters() {
        long[] steady = new long[400];
        long[] fallingBehind = new long[400];
        for (int i = 0; i < steady.length; i++) {
            steady[i] = 150 + (i * 37) % 100;          // 150-249 ms throughout, in no order
            fallingBehind[i] = 150 + 10L * i;          // 10 ms later with every event
        }
        assertEquals(0, StreamBench.p50Drift(steady));
        // Quarters of 100 events, 150..1140 and 3150..4140 ms: medians (the 50th value) 640 and 3640.
        assertEquals(3000, StreamBench.p50Drift(fallingBehind));
        assertEquals(0, StreamBench.p50Drift(new long[] {5, 500, 900}), "too few events to tell");
    }
}
