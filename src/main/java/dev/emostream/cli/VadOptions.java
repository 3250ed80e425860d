package dev.emostream.cli;

import dev.emostream.vad.SileroVad;
import dev.emostream.vad.VadSettings;
import picocli.CommandLine.Option;

/** Voice activity options of the commands that stream audio through the model, as the service does. */
final class VadOptions {
    @Option(names = "--no-vad", description = "Classify all audio (no voice activity detection): every frame reaches the model, "
            + "and there are no utterances.")
    boolean noVad;

    @Option(names = "--vad-carry-state", description = "Carry the model's state across utterances instead of resetting it at each "
            + "(the service's vad.reset.per.utterance=false).")
    boolean vadCarryState;

    @Option(names = "--quiet-floor", paramLabel = "DBFS", description = "Windows quieter than this (RMS, dBFS, -200 to -20) are "
            + "silence without running Silero (the service's vad.quiet.floor.dbfs); default: Silero hears every window.")
    Double quietFloor;

    @Option(names = "--vad-16k-only", description = "8 kHz audio too goes to Silero's 16 kHz model, resampled (the service's "
            + "vad.native.8k=false); by default Silero's 8 kHz model hears 8 kHz audio (e.g. --telephony) as it is.")
    boolean vad16kOnly;

    /** The bundled Silero VAD, or null with --no-vad. */
    SileroVad load() {
        return noVad ? null : SileroVad.loadBundled(1);
    }

    /** Refuses a --max-queued-frames too small for the VAD's decision wait (as the service does for its setting). */
    void checkQueue(picocli.CommandLine.Model.CommandSpec command, int maxQueuedFrames, int hopLength) {
        long needed = settings().minQueuedFrames(hopLength);
        if (!noVad && maxQueuedFrames < needed) {
            throw new picocli.CommandLine.ParameterException(command.commandLine(), "--max-queued-frames is " + maxQueuedFrames
                    + "; with the VAD up to " + (needed - 200) + " frames wait for its decision: give at least " + needed
                    + " (or --no-vad)");
        }
    }

    /** The service's default VAD settings, with the state carried across utterances if asked. */
    VadSettings settings() {
        VadSettings s = VadSettings.DEFAULTS.withResetPerUtterance(!vadCarryState);
        s = s.withNative8k(!vad16kOnly);
        return quietFloor == null ? s : s.withQuietFloor(quietFloor);
    }

    String describe() {
        return noVad ? "no VAD" : "VAD on" + (vadCarryState ? " (state carried across utterances)" : "")
                + (quietFloor == null ? "" : " (quiet floor " + quietFloor + " dBFS)") + (vad16kOnly ? " (16 kHz model only)" : "");
    }
}
