package dev.emostream.gateway;

import dev.emostream.model.ModelDescriptor;

/**
 * Where in a stream's audio the processor's events become due: an event follows the first model
 * step ending at or after each multiple of event.hop.ms, and model steps end at fixed offsets
 * (55, 95, 135, ... ms for the shipped model). The gateway writes a frame as soon as its audio
 * passes one of these points, so gathering chunks into frames does not delay events.
 */
public final class EventBoundaries {
    private final ModelDescriptor model;
    private final long hopMs;
    private final int specRate;

    public EventBoundaries(ModelDescriptor model, long hopMs) {
        this.model = model;
        this.hopMs = hopMs;
        this.specRate = model.featureSpec().sampleRate();
    }

    /** The first point, in ms of audio (at the model's rate), strictly after {@code audioMs}. */
    public double next(double audioMs) {
        for (long k = Math.max(1, (long) (audioMs / hopMs)); ; k++) {
            double due = dueMs(k);
            if (due > audioMs) {
                return due;
            }
        }
    }

    /** Where the k-th event (k >= 1) becomes due: the end of the first step ending at or after k hops. */
    double dueMs(long k) {
        long target = k * hopMs * specRate / 1000;
        // Steps end at stepEndSamples(0) + step * framesPerStep * hop: solve for the first at or after target.
        long first = model.stepEndSamples(0);
        long perStep = model.stepEndSamples(1) - first;
        long step = target <= first ? 0 : (target - first + perStep - 1) / perStep;
        return model.stepEndSamples(step) * 1000.0 / specRate;
    }
}
