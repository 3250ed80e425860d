package dev.emostream.vad;

/** The VAD model and how its probabilities become utterances: what a service with voice activity detection runs. */
public record VoiceActivity(SileroVad model, VadSettings settings) {
    public VoiceActivity {
        if (model == null || settings == null) {
            throw new IllegalArgumentException("voice activity needs a model and settings");
        }
    }
}
