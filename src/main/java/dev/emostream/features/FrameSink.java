package dev.emostream.features;

/**
 * Receives feature frames as they are completed. The array is reused for the next frame: copy it
 * if it must outlive the call.
 */
@FunctionalInterface
public interface FrameSink {
    void accept(long frameIndex, float[] features);
}
