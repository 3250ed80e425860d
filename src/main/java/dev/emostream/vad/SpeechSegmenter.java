package dev.emostream.vad;

import java.nio.ByteBuffer;

/**
 * Turns the speech probability of consecutive 32 ms windows into utterances, with hysteresis: a
 * window at or above the threshold is speech, below the negative threshold silence, in between it
 * continues what is going on. A run of speech opens a candidate; the candidate becomes an utterance
 * once it holds {@code minSpeechMs} of speech windows, and is dropped if silence ends it first. An
 * utterance ends after {@code minSilenceMs} from its first silent window; its bounds are padded by
 * {@code speechPadMs} on both sides (never into the previous utterance).
 *
 * <p>Besides the utterances, it says up to which sample everything is decided
 * ({@link #decidedUntil()}): audio before that is known to be speech or silence, whatever comes
 * next; audio after it waits. Decisions depend only on the windows seen, so a stream fed in any
 * chunking gets the same utterances. Plain arithmetic, no I/O; one instance per stream.
 */
public final class SpeechSegmenter {
    /** What a window changed. */
    public enum Change { NONE, UTTERANCE_STARTED, UTTERANCE_ENDED }

    private enum Phase { SILENCE, CANDIDATE, SPEECH, TRAILING }

    private static final long W = SileroVad.WINDOW;

    private final VadSettings settings;
    private Phase phase = Phase.SILENCE;
    private long windows;
    private long candidateStart;
    /** First window of the run of windows at or above the negative threshold, while in silence; -1 if none. */
    private long onsetStart = -1;
    private int speechWindows;
    /** First window of the current run of silence inside a candidate or an utterance; -1 if none. */
    private long silenceStart = -1;
    private long decidedUntil;
    private int utterances;
    private long utteranceStart = -1;
    private long utteranceEnd = -1;
    /** The current or last utterance's speech without the pad: first speech window start, end of its last speech window. */
    private long speechStart = -1;
    private long speechEnd = -1;
    private long lastSpeechWindow = -1;

    public SpeechSegmenter(VadSettings settings) {
        this.settings = settings;
    }

    /** Takes the next window's speech probability. */
    public Change onWindow(float probability) {
        long t = windows++;
        boolean speech = probability >= settings.threshold();
        if (speech) {
            lastSpeechWindow = t;
        }
        boolean silence = probability < settings.negativeThreshold();
        long pad = settings.padSamples();
        switch (phase) {
            case SILENCE -> {
                // Windows between the thresholds just before speech are its onset (hysteresis works both
                // ways); how far back that reaches is bounded, so undecided audio stays bounded.
                if (silence) {
                    onsetStart = -1;
                } else if (onsetStart < 0) {
                    onsetStart = t;
                }
                onsetStart = onsetStart < 0 ? -1 : Math.max(onsetStart, t + 1 - settings.minSpeechWindows());
                if (speech) {
                    phase = Phase.CANDIDATE;
                    candidateStart = onsetStart;
                    onsetStart = -1;
                    speechWindows = 0;
                    silenceStart = -1;
                    return candidate(t, true, false, pad);
                }
                decide((onsetStart >= 0 ? onsetStart : t + 1) * W - pad);
                return Change.NONE;
            }
            case CANDIDATE -> {
                return candidate(t, speech, silence, pad);
            }
            case SPEECH -> {
                if (silence) {
                    phase = Phase.TRAILING;
                    silenceStart = t;
                    decide(t * W + pad);
                    return trailing(t, pad);
                }
                decide((t + 1) * W);
                return Change.NONE;
            }
            case TRAILING -> {
                if (speech) {
                    phase = Phase.SPEECH;
                    silenceStart = -1;
                    decide((t + 1) * W);
                    return Change.NONE;
                }
                // Below the threshold the silence goes on (between the thresholds included): only
                // speech brings the utterance back, so a line hovering between them cannot hold it open.
                return trailing(t, pad);
            }
            default -> throw new IllegalStateException(phase.toString());
        }
    }

    private Change candidate(long t, boolean speech, boolean silence, long pad) {
        if (speech) {
            speechWindows++;
            silenceStart = -1;
        } else if (silence && silenceStart < 0) {
            silenceStart = t;
        }
        boolean silentLongEnough = silenceStart >= 0 && t + 1 - silenceStart >= settings.minSilenceWindows();
        // A candidate that neither confirms nor fades (probabilities between the thresholds) is dropped
        // too: the audio waiting for a decision stays bounded.
        boolean undecidedTooLong = t + 1 - candidateStart >= 2L * settings.minSpeechWindows() + settings.minSilenceWindows();
        if (speechWindows < settings.minSpeechWindows() && (silentLongEnough || undecidedTooLong)) {
            phase = Phase.SILENCE; // too short: a click, a cough, a burst of noise
            silenceStart = -1;
            onsetStart = -1;
            decide((t + 1) * W - pad);
            return Change.NONE;
        }
        if (speechWindows >= settings.minSpeechWindows()) {
            utteranceStart = Math.max(Math.max(0, candidateStart * W - pad), utteranceEnd);
            utteranceEnd = -1;
            speechStart = candidateStart * W;
            speechEnd = -1;
            utterances++;
            // Confirmation comes with a speech window, which cleared any silence run: the utterance is in speech.
            phase = Phase.SPEECH;
            decide((t + 1) * W);
            return Change.UTTERANCE_STARTED;
        }
        return Change.NONE;
    }

    private Change trailing(long t, long pad) {
        if (t + 1 - silenceStart < settings.minSilenceWindows()) {
            return Change.NONE;
        }
        utteranceEnd = silenceStart * W + pad;
        speechEnd = (lastSpeechWindow + 1) * W;
        phase = Phase.SILENCE;
        silenceStart = -1;
        decide(Math.max(utteranceEnd, (t + 1) * W - pad));
        return Change.UTTERANCE_ENDED;
    }

    private void decide(long sample) {
        decidedUntil = Math.max(decidedUntil, sample);
    }

    /**
     * Ends the stream after {@code totalSamples}: an open utterance ends (at the end of the audio, or
     * where its trailing silence began plus the pad), a candidate is dropped, and everything is decided.
     */
    public Change finish(long totalSamples) {
        Change change = Change.NONE;
        if (phase == Phase.SPEECH || phase == Phase.TRAILING) {
            utteranceEnd = phase == Phase.SPEECH ? totalSamples : Math.min(totalSamples, silenceStart * W + settings.padSamples());
            speechEnd = phase == Phase.SPEECH ? totalSamples : Math.min(totalSamples, (lastSpeechWindow + 1) * W);
            change = Change.UTTERANCE_ENDED;
        }
        phase = Phase.SILENCE;
        silenceStart = -1;
        decidedUntil = Long.MAX_VALUE;
        return change;
    }

    /** Samples before this are decided (speech inside an utterance, silence otherwise). */
    public long decidedUntil() {
        return decidedUntil;
    }

    /** Whether an utterance is open (started and not yet ended). */
    public boolean inUtterance() {
        return phase == Phase.SPEECH || phase == Phase.TRAILING;
    }

    /** Utterances started so far; the current or last one is number {@code utterances() - 1}. */
    public int utterances() {
        return utterances;
    }

    /** First sample of the current or last utterance; -1 before the first. */
    public long utteranceStart() {
        return utteranceStart;
    }

    /** End (exclusive) of the last ended utterance; -1 while one is open or before the first. */
    public long utteranceEnd() {
        return utteranceEnd;
    }

    /** Where the current or last utterance's speech starts (its first speech window; no pad); -1 before the first. */
    public long speechStart() {
        return speechStart;
    }

    /**
     * Where the last ended utterance's speech ends: the end of its last window at or above the
     * threshold (no pad), or the end of the audio if the stream ended in speech; -1 while one is open.
     */
    public long speechEnd() {
        return speechEnd;
    }

    public long windows() {
        return windows;
    }

    static final int BYTES = 4 + 8 * 4 + 4 + 8 + 4 + 8 * 5;

    void write(ByteBuffer out) {
        out.putInt(phase.ordinal()).putLong(windows).putLong(candidateStart).putLong(onsetStart).putLong(silenceStart).putInt(speechWindows)
                .putLong(decidedUntil).putInt(utterances).putLong(utteranceStart).putLong(utteranceEnd)
                .putLong(speechStart).putLong(speechEnd).putLong(lastSpeechWindow);
    }

    void read(ByteBuffer in) {
        int p = in.getInt();
        if (p < 0 || p >= Phase.values().length) {
            throw new IllegalArgumentException("VAD phase " + p);
        }
        phase = Phase.values()[p];
        windows = in.getLong();
        candidateStart = in.getLong();
        onsetStart = in.getLong();
        silenceStart = in.getLong();
        speechWindows = in.getInt();
        decidedUntil = in.getLong();
        utterances = in.getInt();
        utteranceStart = in.getLong();
        utteranceEnd = in.getLong();
        speechStart = in.getLong();
        speechEnd = in.getLong();
        lastSpeechWindow = in.getLong();
    }
}
