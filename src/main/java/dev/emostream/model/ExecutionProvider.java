package dev.emostream.model;

import java.util.Locale;

/** Where ONNX Runtime runs the model: CUDA when asked or available, else the CPU. */
public enum ExecutionProvider {
    /** CUDA if the GPU build of ONNX Runtime and a CUDA device are present, CPU otherwise. */
    AUTO,
    /** CUDA or fail: for deployments that must not silently run on CPU. */
    CUDA,
    CPU;

    public static ExecutionProvider parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown execution provider '" + text + "': expected auto, cuda or cpu");
        }
    }
}
