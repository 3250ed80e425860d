package dev.emostream.stream;

import dev.emostream.audio.DemoSignal;
import dev.emostream.audio.Encoding;
import dev.emostream.contract.AudioFrame;
import dev.emostream.contract.Contracts;
import java.util.ArrayList;
import java.util.List;

/** Builds the AudioFrames of a signal the way a media server would send them. */
final class TestFrames {
    private TestFrames() {
    }

    static float[] voice(int rate, double seconds, long seed) {
        return DemoSignal.generate(rate, seconds, seed);
    }

    /** Mono {@code signal} cut into {@code frameMs} frames, sequence from 0, the last one ending the stream. */
    static List<AudioFrame> frames(String streamId, float[] signal, int rate, Encoding encoding, int frameMs, boolean endOfStream) {
        int perFrame = rate * frameMs / 1000;
        List<AudioFrame> frames = new ArrayList<>();
        long seq = 0;
        for (int pos = 0; pos < signal.length; pos += perFrame) {
            int n = Math.min(perFrame, signal.length - pos);
            boolean last = pos + n >= signal.length;
            frames.add(Contracts.frame(streamId, "call-" + streamId, "customer", seq, 1_700_000_000_000L + seq * frameMs,
                    rate, encoding, 1, signal, pos, n, endOfStream && last));
            seq++;
        }
        return frames;
    }

    static AudioFrame.Builder copy(AudioFrame f) {
        return AudioFrame.newBuilder(f);
    }
}
