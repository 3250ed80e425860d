package dev.emostream.cli;

/** What happened to one {@link FeatureJob}: the frames written and audio length, or why it failed. */
record FeatureOutcome(FeatureJob job, long frames, double seconds, String error) {

    static FeatureOutcome done(FeatureJob job, long frames, double seconds) {
        return new FeatureOutcome(job, frames, seconds, null);
    }

    static FeatureOutcome failed(FeatureJob job, double seconds, String error) {
        return new FeatureOutcome(job, 0, seconds, error);
    }

    boolean ok() {
        return error == null;
    }
}
