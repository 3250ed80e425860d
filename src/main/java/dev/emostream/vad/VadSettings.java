package dev.emostream.vad;

/**
 * How speech probabilities become utterances (hysteresis and minimum durations, as silero-vad's own
 * iterator, plus a confirmation time so a click or a cough does not open an utterance).
 *
 * @param threshold          a window at or above this probability is speech
 * @param negativeThreshold  a window below this is silence; between the two, a window continues
 *                           whatever is going on (hysteresis)
 * @param minSpeechMs        speech windows needed before an utterance is confirmed (its frames are
 *                           held back until then, and dropped if it turns out shorter)
 * @param minSilenceMs       silence that ends an utterance
 * @param speechPadMs        audio kept before an utterance's first and after its last speech window
 * @param resetPerUtterance  whether the emotion model's recurrent state starts afresh with each
 *                           utterance (otherwise it carries across, over the silence in between)
 * @param quietFloorDbfs     a window whose RMS level is below this (dB re full scale) is silence
 *                           without running Silero on it (Silero's state then becomes the one it has
 *                           after 2 s of digital silence, {@link SileroVad#silenceState(int)});
 *                           {@link #NO_QUIET_FLOOR}: every window goes to Silero
 * @param native8k           whether an 8 kHz stream's own samples go to Silero's 8 kHz branch (else its
 *                           16 kHz branch hears the resampled audio)
 */
public record VadSettings(double threshold, double negativeThreshold, int minSpeechMs, int minSilenceMs, int speechPadMs,
                          boolean resetPerUtterance, double quietFloorDbfs, boolean native8k) {
    /** Milliseconds per VAD window. */
    public static final int WINDOW_MS = SileroVad.WINDOW * 1000 / SileroVad.SAMPLE_RATE;
    /**
     * No quiet floor: Silero runs on every window, digital silence included. The default: at -70 dBFS
     * the floor moved utterance boundaries enough to change 1 to 6 of 240 RAVDESS decisions per fold
     * with models trained on boundaries found without it (fold 2: 0.491 against 0.517).
     */
    public static final double NO_QUIET_FLOOR = Double.NEGATIVE_INFINITY;
    static final int MAX_MS = 60_000;

    /**
     * The service's defaults. Thresholds 0.3/0.2 rather than silero-vad's 0.5/0.35 (vad-web uses 0.3):
     * acted sad speech is quiet and breathy, and at 0.5 the VAD found no speech in 29% of ASED's sad
     * clips (119 of 413; 146 of 2,190 clips in all), at 0.3 in 19% (79; 98 in all), with the same
     * RAVDESS accuracy and no utterance on noise or music-like tones (VoiceActivityTest).
     */
    public static final VadSettings DEFAULTS = new VadSettings(0.3, 0.2, 250, 500, 100, true, NO_QUIET_FLOOR, true);


    /** The same settings with another quiet floor. */
    public VadSettings withQuietFloor(double dbfs) {
        return new VadSettings(threshold, negativeThreshold, minSpeechMs, minSilenceMs, speechPadMs, resetPerUtterance, dbfs,
                native8k);
    }

    /** The same settings with the model's state carried across utterances or not. */
    public VadSettings withResetPerUtterance(boolean reset) {
        return new VadSettings(threshold, negativeThreshold, minSpeechMs, minSilenceMs, speechPadMs, reset, quietFloorDbfs,
                native8k);
    }

    /** The same settings with 8 kHz streams heard at 8 kHz or not. */
    public VadSettings withNative8k(boolean on) {
        return new VadSettings(threshold, negativeThreshold, minSpeechMs, minSilenceMs, speechPadMs, resetPerUtterance,
                quietFloorDbfs, on);
    }

    public VadSettings {
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("VAD threshold must be in (0, 1), got " + threshold);
        }
        if (!(negativeThreshold > 0 && negativeThreshold <= threshold)) {
            throw new IllegalArgumentException("VAD negative threshold must be in (0, threshold " + threshold + "], got "
                    + negativeThreshold);
        }
        if (!(quietFloorDbfs == NO_QUIET_FLOOR || quietFloorDbfs >= -200 && quietFloorDbfs <= -20)) {
            throw new IllegalArgumentException("VAD quiet floor must be -200 to -20 dBFS (or off), got " + quietFloorDbfs);
        }
        check("min speech", minSpeechMs);
        check("min silence", minSilenceMs);
        check("speech pad", speechPadMs);
        if (2L * speechPadMs > Math.max(minSilenceMs, WINDOW_MS)) {
            throw new IllegalArgumentException("VAD speech pad " + speechPadMs + " ms must be at most half of the min silence "
                    + "or of one 32 ms window, whichever is longer (min silence " + minSilenceMs + " ms), or the padding of "
                    + "two utterances would overlap");
        }
    }

    private static void check(String what, int ms) {
        if (ms < 0 || ms > MAX_MS) {
            throw new IllegalArgumentException("VAD " + what + " must be 0-" + MAX_MS + " ms, got " + ms);
        }
    }

    /** Speech windows that confirm an utterance (at least one). */
    int minSpeechWindows() {
        return Math.max(1, (minSpeechMs + WINDOW_MS - 1) / WINDOW_MS);
    }

    /** Windows from the first silent one that end an utterance (at least one). */
    int minSilenceWindows() {
        return Math.max(1, (minSilenceMs + WINDOW_MS - 1) / WINDOW_MS);
    }

    /**
     * The most audio (16 kHz samples) that can wait for a decision: a candidate's onset and its
     * undecided windows, or an utterance's trailing silence, plus the pad and a window in progress.
     */
    public long maxUndecidedSamples() {
        return (2L * minSpeechWindows() + minSilenceWindows() + 2) * SileroVad.WINDOW + padSamples();
    }

    /**
     * The fewest feature frames a stream's queue must hold with these settings: the frames that can
     * wait for a decision, plus room for the model's queue and a frame (else a stream would be
     * refused while the VAD makes up its mind).
     */
    public long minQueuedFrames(int hopLength) {
        return maxUndecidedSamples() / hopLength + 1 + 200;
    }

    /**
     * Mean square sample value below which a window is quiet (0 without a floor). Compared as
     * sum of squares < this * window length, so digital silence is always quiet when a floor is set.
     */
    double quietFloorPower() {
        return quietFloorDbfs == NO_QUIET_FLOOR ? 0 : Math.pow(10, quietFloorDbfs / 10);
    }

    long padSamples() {
        return (long) speechPadMs * SileroVad.SAMPLE_RATE / 1000;
    }
}
