package dev.emostream.cli;

import dev.emostream.audio.ChannelSelection;
import dev.emostream.audio.Resampler;
import dev.emostream.audio.WavReader;
import dev.emostream.audio.TelephonyChannel;
import dev.emostream.audio.WavStream;
import dev.emostream.features.FeaturePipeline;
import dev.emostream.features.FeatureSpec;
import dev.emostream.features.FrameSink;
import dev.emostream.features.SampleSink;
import dev.emostream.model.StreamState;
import dev.emostream.vad.SileroVad;
import dev.emostream.vad.SpeechGate;
import dev.emostream.vad.SpeechInference;
import dev.emostream.vad.VadSettings;
import java.util.List;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Locale;

/**
 * Features of one WAV file, streamed: blocks of the file are decoded, reduced to mono, fed to the
 * feature pipeline, and its frames appended to the .npy file, so memory per file is a few blocks
 * whatever the file's length. The frames are those of the whole file in one call, bit for bit
 * (the pipeline is chunk-invariant). Thread-safe: each call has its own state.
 */
final class FeatureFile {
    /** Frames decoded per block: 93 ms at 44.1 kHz. */
    static final int BLOCK_FRAMES = 4096;

    private final FeatureSpec spec;
    private final ChannelSelection selection;
    private final WavReader reader;
    private final TelephonyChannel.Law telephony; // null: the audio as it is
    private final SileroVad vad;                   // null: every frame; else the frames of speech alone
    private final int framesPerStep;
    private final double speed;                    // 1: as recorded; else played this many times as fast

    FeatureFile(FeatureSpec spec, ChannelSelection selection, WavReader reader, TelephonyChannel.Law telephony) {
        this(spec, selection, reader, telephony, null, 1, 1.0);
    }

    /**
     * @param vad           with it, only the frames the service's speech gate passes to the model are
     *                      written (default VAD settings, whole model steps of each utterance)
     * @param framesPerStep the model's step, in frames (the gate never passes a partial step)
     * @param speed         speed perturbation ({@link Resampler#speedChange}), before the telephone line; 1: none
     */
    FeatureFile(FeatureSpec spec, ChannelSelection selection, WavReader reader, TelephonyChannel.Law telephony,
                SileroVad vad, int framesPerStep, double speed) {
        this.speed = speed;
        this.spec = spec;
        this.selection = selection;
        this.reader = reader;
        this.telephony = telephony;
        this.vad = vad;
        this.framesPerStep = framesPerStep;
    }

    /** Never throws for a bad file: the failure becomes the outcome, and the run goes on. */
    FeatureOutcome extract(FeatureJob job) {
        if (!job.runnable()) {
            return FeatureOutcome.failed(job, 0, job.refusal());
        }
        try (WavStream wav = reader.open(job.audio())) {
            return extract(job, wav);
        } catch (IOException | RuntimeException e) {
            // AudioFormatException, FeatureInputException and their kin carry descriptive messages;
            // describe() names the file and reason of file system errors, also when wrapped.
            return FeatureOutcome.failed(job, 0, Main.describe(e));
        } catch (OutOfMemoryError e) {
            return FeatureOutcome.failed(job, 0, "out of memory (raise -Xmx or lower --threads)");
        }
    }

    private FeatureOutcome extract(FeatureJob job, WavStream wav) throws IOException {
        int channels = wav.channels();
        float[] block = new float[BLOCK_FRAMES * channels];
        float[] mono = new float[BLOCK_FRAMES];
        selection.toMono(block, 0, 0, channels, mono, 0); // refuses a channel the file lacks, before any work
        Resampler faster = speed == 1.0 ? null : Resampler.speedChange(wav.sampleRate(), speed);
        float[] sped = faster == null ? null : new float[Math.max(faster.maxOutput(BLOCK_FRAMES), faster.maxFlushOutput())];
        TelephonyChannel line = telephony == null ? null : new TelephonyChannel(wav.sampleRate(), telephony);
        float[] narrow = line == null ? null
                : new float[Math.max(line.maxOutput(sped == null ? BLOCK_FRAMES : sped.length), line.maxFlushOutput())];
        FeaturePipeline pipeline = new FeaturePipeline(spec, line == null ? wav.sampleRate() : TelephonyChannel.RATE);
        Files.createDirectories(job.output().toAbsolutePath().getParent());
        try (NpyWriter npy = NpyWriter.create(job.output(), spec.featureCount())) {
            FrameSink out = (index, features) -> append(npy, features);
            Speech speech = vad == null ? null : new Speech(out, line == null ? wav.sampleRate() : TelephonyChannel.RATE);
            FrameSink sink = speech == null ? out : speech.gate.sink(speech.state);
            SampleSink tap = speech == null ? null : speech.gate.resampledTap();
            // Each stage's output feeds the next: speed change -> telephone line -> features.
            Stage features = (x, n) -> {
                if (speech != null) {
                    speech.gate.acceptInput(x, 0, n);
                }
                pipeline.accept(x, 0, n, sink, tap);
            };
            Stage telephone = line == null ? features : (x, n) -> features.accept(narrow, line.process(x, 0, n, narrow, 0));
            Stage first = faster == null ? telephone : (x, n) -> telephone.accept(sped, faster.process(x, 0, n, sped, 0));
            int frames;
            while ((frames = wav.read(block, BLOCK_FRAMES)) > 0) {
                selection.toMono(block, 0, frames, channels, mono, 0);
                first.accept(mono, frames);
                if (speech != null) {
                    speech.run();
                }
            }
            if (faster != null) {
                telephone.accept(sped, faster.flush(sped, 0));
            }
            if (line != null) {
                features.accept(narrow, line.flush(narrow, 0));
            }
            pipeline.finish(sink, tap);
            double seconds = wav.framesRead() / (double) wav.sampleRate();
            if (speech != null) {
                speech.gate.finish();
                speech.run();
                if (npy.rows() == 0) {
                    return FeatureOutcome.failed(job, seconds, "no speech detected (--vad)");
                }
                npy.commit();
                return FeatureOutcome.done(job, npy.rows(), seconds);
            }
            if (npy.rows() == 0) {
                return FeatureOutcome.failed(job, seconds, String.format(Locale.ROOT,
                        "too short: %.3f s gives no complete %d-sample window", seconds, spec.winLength()));
            }
            // Each resampling stage promises ceil(n * out / in) samples.
            long n = faster == null ? wav.framesRead() : ceilDiv(wav.framesRead() * wav.sampleRate(), Math.round(wav.sampleRate() * speed));
            long expected = line == null ? expectedFrames(n, wav.sampleRate())
                    : expectedFrames(ceilDiv(n * TelephonyChannel.RATE, wav.sampleRate()), TelephonyChannel.RATE);
            if (npy.rows() != expected) {
                // The pipeline promises ceil(n * rate / inputRate) resampled samples; anything else is a bug.
                return FeatureOutcome.failed(job, seconds, "internal error: " + npy.rows() + " frames computed, "
                        + expected + " expected for " + wav.framesRead() + " samples at " + wav.sampleRate() + " Hz");
            }
            npy.commit();
            return FeatureOutcome.done(job, npy.rows(), seconds);
        }
    }

    /** One stage of the chain: takes {@code n} samples of {@code x}. */
    private interface Stage {
        void accept(float[] x, int n);
    }

    /** The service's speech gate with the VAD alone: the frames it passes, in whole steps, go to {@code out}. */
    private final class Speech {
        /** Frames a clip may hold waiting for the VAD or a whole step: far more than the gate ever holds back. */
        static final int MAX_WAITING = 100_000;
        final StreamState state = StreamState.framesOnly(spec.featureCount(), MAX_WAITING);
        final SpeechGate gate;
        final SpeechInference<Speech> inference = new SpeechInference<>(vad, null, 1, s -> s.gate, s -> s.state);
        final FrameSink out;
        final List<Speech> self = List.of(this);
        final SpeechInference.Listener<Speech> listener;

        Speech(FrameSink out, int rate) {
            this.out = out;
            this.gate = new SpeechGate(VadSettings.DEFAULTS, spec, framesPerStep, MAX_WAITING, rate);
            // Whole steps leave as the model would take them; at an utterance's end what does not fill
            // a step is dropped by the gate, as in the service.
            this.listener = new SpeechInference.Listener<>() {
                @Override
                public void onStep(Speech s, long step, float[] probabilities) {
                }

                @Override
                public void onUtteranceEnd(Speech s) {
                    state.drainWholeSteps(framesPerStep, out);
                }
            };
        }

        void run() {
            inference.run(self, listener, (b, n) -> { }, (b, n) -> { });
            state.drainWholeSteps(framesPerStep, out);
        }
    }

    /** Frames of a stream of {@code inputFrames} samples at {@code inputRate}, once resampled to the spec's rate. */
    long expectedFrames(long inputFrames, int inputRate) {
        return spec.framesFor(ceilDiv(inputFrames * spec.sampleRate(), inputRate));
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    private static void append(NpyWriter npy, float[] features) {
        try {
            npy.append(features);
        } catch (IOException e) {
            // FrameSink cannot throw IOException; extract() unwraps it.
            throw new UncheckedIOException(e);
        }
    }
}
