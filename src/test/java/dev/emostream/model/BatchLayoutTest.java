package dev.emostream.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Gathering streams' state into ONNX's batched layout, where the batch axis may sit inside. */
class BatchLayoutTest {
    @Test
    void batchAxisInTheMiddleInterleavesLayers() {
        // an LSTM state of 2 layers x hidden 3: ONNX wants [layer][batch][hidden]
        ModelDescriptor.StateTensor h = new ModelDescriptor.StateTensor("h0", "hn", List.of(2, -1, 3));
        float[][] streams = {{1, 2, 3, 4, 5, 6}, {11, 12, 13, 14, 15, 16}, {21, 22, 23, 24, 25, 26}};
        float[] batched = new float[18];
        for (int b = 0; b < 3; b++) {
            BatchInference.gather(h, streams[b], batched, b, 3);
        }
        assertArrayEquals(new float[] {1, 2, 3, 11, 12, 13, 21, 22, 23, 4, 5, 6, 14, 15, 16, 24, 25, 26}, batched);
        for (int b = 0; b < 3; b++) {
            float[] back = new float[6];
            BatchInference.scatter(h, batched, back, b, 3);
            assertArrayEquals(streams[b], back);
        }
    }

    @Test
    void batchAxisFirstKeepsStreamsContiguous() {
        ModelDescriptor.StateTensor sum = new ModelDescriptor.StateTensor("s0", "s", List.of(-1, 2));
        float[] batched = new float[4];
        BatchInference.gather(sum, new float[] {1, 2}, batched, 0, 2);
        BatchInference.gather(sum, new float[] {3, 4}, batched, 1, 2);
        assertArrayEquals(new float[] {1, 2, 3, 4}, batched);
    }
}
