package dev.emostream.cli;

import dev.emostream.audio.ChannelSelection;
import dev.emostream.audio.WavAudio;
import dev.emostream.audio.WavReader;
import dev.emostream.model.EmotionModel;
import dev.emostream.vad.SileroVad;
import dev.emostream.vad.SpeechClassifier;
import dev.emostream.vad.VadSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Several clips of one speaker as one stream, with silence between them: how a call sounds, where
 * the model's state either carries from one utterance to the next or is reset. Each clip is decided
 * by the utterances whose speech starts inside it (the mean of their utterance results).
 */
final class ChainEvaluation {
    private ChainEvaluation() {
    }

    /** One clip of a chain: its file and true label index. */
    record Clip(Path file, int truth) {
    }

    static List<EvalCommand.ClipResult> evaluate(EmotionModel model, SileroVad vad, VadSettings settings, List<Clip> clips,
                                                 int gapMs, int chunkMs, int maxQueuedFrames, boolean[] allowed) {
        List<EvalCommand.ClipResult> results = new ArrayList<>();
        List<float[]> audio = new ArrayList<>();
        int rate = -1;
        for (Clip c : clips) {
            try {
                WavAudio a = new WavReader().read(c.file());
                if (rate >= 0 && a.sampleRate() != rate) {
                    throw new IllegalArgumentException("sample rate " + a.sampleRate() + " Hz in a chain of " + rate + " Hz clips");
                }
                rate = a.sampleRate();
                audio.add(a.mono(ChannelSelection.downmix()));
            } catch (Exception e) {
                results.add(new EvalCommand.ClipResult(c.file().toString(), c.truth(), Main.describe(e)));
                audio.add(null);
            }
        }
        if (rate < 0) {
            return results;
        }
        int gap = (int) ((long) rate * gapMs / 1000);
        long[] starts = new long[clips.size() + 1];   // clip spans in 16 kHz samples
        int total = 0;
        for (float[] a : audio) {
            total += a == null ? 0 : a.length + gap;
        }
        float[] stream = new float[total];
        int pos = 0;
        for (int i = 0; i < clips.size(); i++) {
            starts[i] = (long) pos * SileroVad.SAMPLE_RATE / rate;
            if (audio.get(i) != null) {
                System.arraycopy(audio.get(i), 0, stream, pos, audio.get(i).length);
                pos += audio.get(i).length + gap;
            }
        }
        starts[clips.size()] = (long) pos * SileroVad.SAMPLE_RATE / rate;
        float[][] sums = new float[clips.size()][];
        SpeechClassifier classifier = new SpeechClassifier(model, vad, settings, rate, maxQueuedFrames,
                new SpeechClassifier.Listener() {
                    @Override
                    public void onStep(long step, long endSample, long speechFrames, float[] probabilities) {
                    }

                    @Override
                    public void onUtteranceEnd(int utterance, long startSample, long endSample, float[] probabilities) {
                        int clip = 0;
                        while (clip + 1 < clips.size() && starts[clip + 1] <= startSample) {
                            clip++;
                        }
                        if (probabilities != null) {
                            if (sums[clip] == null) {
                                sums[clip] = new float[probabilities.length];
                            }
                            for (int k = 0; k < probabilities.length; k++) {
                                sums[clip][k] += probabilities[k];
                            }
                        }
                    }
                });
        try {
            classifier.streamAll(stream, Math.max(1, rate * chunkMs / 1000));
        } catch (RuntimeException e) {
            // One chain failing fails its clips, not the run.
            for (int i = 0; i < clips.size(); i++) {
                if (audio.get(i) != null) {
                    results.add(new EvalCommand.ClipResult(clips.get(i).file().toString(), clips.get(i).truth(), Main.describe(e)));
                }
            }
            return results;
        }
        for (int i = 0; i < clips.size(); i++) {
            if (audio.get(i) == null) {
                continue;
            }
            Clip c = clips.get(i);
            if (sums[i] == null) {
                results.add(new EvalCommand.ClipResult(c.file().toString(), c.truth(), "no utterance starts in this clip"));
            } else {
                int decision = EvalCommand.argmaxAllowed(sums[i], allowed);
                results.add(new EvalCommand.ClipResult(c.file().toString(), c.truth(), decision, null, null, decision, null));
            }
        }
        return results;
    }

    /** Splits the rows' clips into chains of {@code length} clips of one speaker each, in a seeded random order. */
    static List<List<Clip>> chains(List<Clip> clips, List<String> speakersOfClips, int length, long seed) {
        java.util.Map<String, List<Clip>> bySpeaker = new java.util.TreeMap<>();
        for (int i = 0; i < clips.size(); i++) {
            bySpeaker.computeIfAbsent(speakersOfClips.get(i), k -> new ArrayList<>()).add(clips.get(i));
        }
        java.util.Random random = new java.util.Random(seed);
        List<List<Clip>> chains = new ArrayList<>();
        for (List<Clip> own : bySpeaker.values()) {
            List<Clip> shuffled = new ArrayList<>(own);
            java.util.Collections.shuffle(shuffled, random);
            for (int i = 0; i < shuffled.size(); i += length) {
                chains.add(List.copyOf(shuffled.subList(i, Math.min(shuffled.size(), i + length))));
            }
        }
        return chains;
    }
}
