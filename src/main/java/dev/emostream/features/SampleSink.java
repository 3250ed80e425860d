package dev.emostream.features;

/** Receives audio samples as they pass (the array is reused: copy what must outlive the call). */
@FunctionalInterface
public interface SampleSink {
    void accept(float[] samples, int off, int len);
}
