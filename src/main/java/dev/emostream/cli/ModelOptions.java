package dev.emostream.cli;

import dev.emostream.model.EmotionModel;
import dev.emostream.model.ExecutionProvider;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Options shared by the commands that run the model. */
final class ModelOptions {
    /** 10^7 frames = 28 hours of audio at 10 ms a frame, 2.6 GB of queued features: more is a mistake. */
    static final int MAX_QUEUED_FRAMES = 10_000_000;

    @Option(names = "--model", paramLabel = "FILE.json",
            description = "Model descriptor (the .onnx beside it). Default: the model bundled in the jar.")
    Path model;

    @Option(names = "--provider", paramLabel = "auto|cuda|cpu", defaultValue = "auto",
            description = "ONNX Runtime execution provider (default: ${DEFAULT-VALUE}: CUDA when available).")
    String provider;

    @Option(names = "--max-queued-frames", paramLabel = "N", defaultValue = "100000",
            description = "Feature frames a stream may queue before inference (default: ${DEFAULT-VALUE}).")
    int maxQueuedFrames;

    EmotionModel load(CommandSpec command, int intraOpThreads) {
        ExecutionProvider choice = validate(command);
        return model == null ? EmotionModel.loadBundled(choice, intraOpThreads)
                : EmotionModel.load(model, choice, intraOpThreads);
    }

    /** Checks the options before any work starts: a bad value is a usage error. */
    ExecutionProvider validate(CommandSpec command) {
        if (maxQueuedFrames < 64 || maxQueuedFrames > MAX_QUEUED_FRAMES) {
            throw new ParameterException(command.commandLine(), "--max-queued-frames must be in [64, "
                    + MAX_QUEUED_FRAMES + "], got " + maxQueuedFrames);
        }
        ExecutionProvider choice;
        try {
            choice = ExecutionProvider.parse(provider);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command.commandLine(), e.getMessage());
        }
        return choice;
    }
}
