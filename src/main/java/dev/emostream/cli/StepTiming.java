package dev.emostream.cli;

import dev.emostream.features.FeatureSpec;
import dev.emostream.model.ModelDescriptor;

/** When a model step's decision becomes available, in seconds of audio heard. */
final class StepTiming {
    private StepTiming() {
    }

    /** See {@link ModelDescriptor#stepEndSamples}. */
    static double stepEndSeconds(ModelDescriptor d, long step) {
        return d.stepEndSamples(step) / (double) d.featureSpec().sampleRate();
    }

    /** The last step complete after {@code seconds} of audio, or -1 if none is. */
    static long lastStepBy(ModelDescriptor d, double seconds) {
        FeatureSpec spec = d.featureSpec();
        long samples = (long) Math.floor(seconds * spec.sampleRate() + 1e-9);
        long frames = spec.framesFor(samples);
        return frames / d.framesPerStep() - 1;
    }
}
