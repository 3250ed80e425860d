package dev.emostream.cli;

import dev.emostream.model.EmotionModel;
import dev.emostream.model.ExecutionProvider;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by the commands that run the model. */
final class ModelOptions {
    @Option(names = "--model", paramLabel = "FILE.json",
            description = "Model descriptor (the .onnx beside it). Default: the model bundled in the jar.")
    Path model;

    @Option(names = "--provider", paramLabel = "auto|cuda|cpu", defaultValue = "auto",
            description = "ONNX Runtime execution provider (default: ${DEFAULT-VALUE}: CUDA when available).")
    String provider;

    @Option(names = "--max-queued-frames", paramLabel = "N", defaultValue = "100000",
            description = "Feature frames a stream may queue before inference (default: ${DEFAULT-VALUE}).")
    int maxQueuedFrames;

    EmotionModel load(int intraOpThreads) {
        ExecutionProvider choice = ExecutionProvider.parse(provider);
        return model == null ? EmotionModel.loadBundled(choice, intraOpThreads)
                : EmotionModel.load(model, choice, intraOpThreads);
    }
}
