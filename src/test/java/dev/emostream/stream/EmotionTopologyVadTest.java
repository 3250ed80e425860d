package dev.emostream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.audio.Encoding;
import dev.emostream.contract.EmotionEvent;
import dev.emostream.features.FeaturePipeline;
import dev.emostream.model.EmotionModel;
import dev.emostream.model.StreamState;
import dev.emostream.testing.SpeechSignals;
import dev.emostream.vad.SileroVad;
import dev.emostream.vad.SpeechClassifier;
import dev.emostream.vad.SpeechGate;
import dev.emostream.vad.VadSettings;
import dev.emostream.vad.VoiceActivity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The topology with voice activity detection: utterance events, silence without labels, same results as one stream offline. */
class EmotionTopologyVadTest {
    static final EmotionModel model = TestModel.get();
    static SileroVad vad;

    @BeforeAll
    static void load() {
        vad = SileroVad.loadBundled(1);
    }

    @AfterAll
    static void close() {
        vad.close();
    }

    /** The defaults with the quiet floor on (off by default), so its path runs through the topology and restores too. */
    static final VadSettings FLOORED = VadSettings.DEFAULTS.withQuietFloor(-70);

    static SpeechSignals.Composed signal() throws Exception {
        return new SpeechSignals().silence(1.2).speech(SpeechSignals.speak("I can't believe you did that to me", "en-us"))
                .silence(1.0).noise(1.0, -40)
                .speech(SpeechSignals.speak("Thank you so much, this is wonderful news", "en-gb")).silence(1.5).build();
    }

    @Test
    void eventsFollowTheUtterancesAndEqualTheSingleStreamClassifier() throws Exception {
        SpeechSignals.assumeEspeak();
        float[] audio = signal().samples();
        TopologySettings settings = EmotionTopologyTest.SETTINGS;
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "emostream-vad-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        List<EmotionEvent> events = new ArrayList<>();
        StreamCounters counters = new StreamCounters();
        try (TopologyTestDriver driver = new TopologyTestDriver(
                EmotionTopology.build(settings, model, new VoiceActivity(vad, FLOORED), counters), props,
                EmotionTopologyTest.START)) {
            TestInputTopic<String, byte[]> in = driver.createInputTopic("audio", new StringSerializer(), new ByteArraySerializer());
            TestOutputTopic<String, byte[]> out = driver.createOutputTopic("emotions", new StringDeserializer(), new ByteArrayDeserializer());
            java.time.Instant clock = EmotionTopologyTest.START;
            var frames = TestFrames.frames("v", audio, 16_000, Encoding.S16LE, 100, true);
            // What the processor hears: the signal after the s16le round trip.
            float[] heard = new float[audio.length];
            int at = 0;
            for (var f : frames) {
                var b = f.getPayload();
                at += dev.emostream.audio.SampleDecoder.decode(Encoding.S16LE, b.array(), b.arrayOffset() + b.position(),
                        b.remaining(), heard, at);
            }
            audio = java.util.Arrays.copyOf(heard, at);
            for (var f : frames) {
                in.pipeInput("v", dev.emostream.contract.Contracts.encode(f), clock);
                clock = clock.plusMillis(100);
                driver.advanceWallClockTime(Duration.ofMillis(100));
            }
            out.readRecordsToList().forEach(r -> events.add(EmotionTopologyTest.decode(r.value())));
        }
        // Every 32 ms of the audio went through the VAD once (the last partial window padded), or was
        // below the quiet floor (the signal's digital silence).
        assertEquals((audio.length + 511) / 512, counters.vadWindows() + counters.vadQuietWindows());
        assertTrue(counters.vadQuietWindows() > 0);
        assertTrue(counters.vadCalls() > 0 && counters.vadNanos() > 0);
        // The same audio through the single-stream path (what eval and classify run).
        List<long[]> utterances = new ArrayList<>();
        List<float[]> means = new ArrayList<>();
        new SpeechClassifier(model, vad, FLOORED, 16_000, 1000, new SpeechClassifier.Listener() {
            @Override
            public void onStep(long step, long endSample, long speechFrames, float[] probabilities) {
            }

            @Override
            public void onUtteranceEnd(int utterance, long startSample, long endSample, float[] probabilities) {
                utterances.add(new long[] {startSample * 1000 / 16_000, endSample * 1000 / 16_000});
                means.add(probabilities);
            }
        }).streamAll(audio, 1600);

        List<EmotionEvent> starts = events.stream().filter(e -> e.getEventType().equals("utterance_start")).toList();
        List<EmotionEvent> ends = events.stream().filter(e -> e.getEventType().equals("utterance_end")).toList();
        assertEquals(2, starts.size(), events.toString());
        assertEquals(2, ends.size());
        assertEquals(2, utterances.size());
        for (int i = 0; i < 2; i++) {
            assertEquals(i, ends.get(i).getUtterance());
            assertNull(starts.get(i).getLabel(), "an utterance starts before any emotion of it");
            assertEquals(utterances.get(i)[0], ends.get(i).getUtteranceStartMs());
            assertEquals(utterances.get(i)[1], ends.get(i).getUtteranceEndMs());
            assertNotNull(ends.get(i).getLabel());
            float[] p = new float[ends.get(i).getProbabilities().size()];
            for (int k = 0; k < p.length; k++) {
                p[k] = ends.get(i).getProbabilities().get(k);
            }
            assertArrayEquals(means.get(i), p, 1e-5f, "utterance " + i + "'s result equals the single-stream path");
        }
        for (EmotionEvent e : events) {
            if (e.getEventType().equals("progress") && !e.getSpeech()) {
                assertNull(e.getLabel(), "no emotion over silence: " + e);
                assertNull(e.getUtterance());
            }
            if (e.getEventType().equals("progress") && e.getSpeech()) {
                assertNotNull(e.getLabel());
                assertNotNull(e.getUtterance());
            }
        }
        assertTrue(events.stream().anyMatch(e -> e.getEventType().equals("progress") && !e.getSpeech()),
                "the silence before the first utterance gets progress events");
        EmotionEvent last = events.get(events.size() - 1);
        assertEquals("stream_end", last.getEventType());
        assertTrue(last.getFinal$());
        assertTrue(last.getSpeechMs() > 2000 && last.getSpeechMs() < audio.length / 16, "speech heard: " + last.getSpeechMs());
    }

    /** 8 kHz: Silero's 8 kHz model on the stream's samples; with and without the quiet floor. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"16000, false", "8000, false", "16000, true", "8000, true"})
    void aRestoredStreamContinuesExactlyWhereverItWasCut(int rate, boolean floor) throws Exception {
        SpeechSignals.assumeEspeak();
        float[] audio = atRate(signal().samples(), rate);
        VadSettings settings = floor ? FLOORED : VadSettings.DEFAULTS;
        List<float[]> straight = run(audio, -1, rate, settings);
        assertTrue(straight.size() > 50, "the speech was stepped: " + straight.size());
        // In silence, at an utterance's onset (candidate), in speech, in trailing silence, between utterances.
        for (double cutS : new double[] {0.6, 1.26, 1.4, 2.0, 3.3, 4.1, 6.0}) {
            int cut = (int) (cutS * rate) / (rate / 50) * (rate / 50);
            List<float[]> restored = run(audio, cut, rate, settings);
            assertEquals(straight.size(), restored.size(), "cut at " + cutS + " s");
            for (int i = 0; i < straight.size(); i++) {
                assertArrayEquals(straight.get(i), restored.get(i), 1e-6f, "cut at " + cutS + " s, step " + i);
            }
        }
    }

    @Test
    void eventsDoNotDependOnHowTheAudioIsFramed() throws Exception {
        SpeechSignals.assumeEspeak();
        float[] audio = signal().samples();
        List<EmotionEvent> small = topologyEvents(audio, 100);
        List<EmotionEvent> large = topologyEvents(audio, 1500); // several utterance ends within one round
        assertEquals(small.size(), large.size(), small + "\n" + large);
        for (int i = 0; i < small.size(); i++) {
            EmotionEvent a = small.get(i);
            EmotionEvent b = large.get(i);
            String at = "event " + i + ": " + a + " vs " + b;
            assertEquals(a.getEventType(), b.getEventType(), at);
            assertEquals(a.getAudioStartMs(), b.getAudioStartMs(), at);
            assertEquals(a.getAudioEndMs(), b.getAudioEndMs(), at);
            assertEquals(a.getLabel(), b.getLabel(), at);
            assertEquals(a.getSpeech(), b.getSpeech(), at);
            assertEquals(a.getUtterance(), b.getUtterance(), at);
            assertEquals(a.getUtteranceStartMs(), b.getUtteranceStartMs(), at);
            assertEquals(a.getUtteranceEndMs(), b.getUtteranceEndMs(), at);
            assertEquals(a.getSpeechMs(), b.getSpeechMs(), at);
            assertEquals(a.getFinal$(), b.getFinal$(), at);
            assertEquals(a.getProbabilities().size(), b.getProbabilities().size(), at);
            for (int k = 0; k < a.getProbabilities().size(); k++) {
                assertEquals(a.getProbabilities().get(k), b.getProbabilities().get(k), 1e-5, at);
            }
            if (a.getEventType().equals("progress")) {
                assertEquals(a.getSpeech(), a.getLabel() != null, "a label exactly over speech: " + a);
            }
        }
        // speech_ms never decreases and ends at the speech the model stepped.
        long last = 0;
        for (EmotionEvent e : large) {
            assertTrue(e.getSpeechMs() >= last, "speech_ms went back: " + e);
            last = e.getSpeechMs();
        }
    }

    /** The topology's events for the audio sent in frames of {@code frameMs}, at real-time pace. */
    static List<EmotionEvent> topologyEvents(float[] audio, int frameMs) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "emostream-vad-framing-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        List<EmotionEvent> events = new ArrayList<>();
        try (TopologyTestDriver driver = new TopologyTestDriver(EmotionTopology.build(EmotionTopologyTest.SETTINGS
                .withLimits(1 << 20, 2000, 10_000), model, new VoiceActivity(vad, VadSettings.DEFAULTS), new StreamCounters()),
                props, EmotionTopologyTest.START)) {
            TestInputTopic<String, byte[]> in = driver.createInputTopic("audio", new StringSerializer(), new ByteArraySerializer());
            TestOutputTopic<String, byte[]> out = driver.createOutputTopic("emotions", new StringDeserializer(), new ByteArrayDeserializer());
            java.time.Instant clock = EmotionTopologyTest.START;
            for (var f : TestFrames.frames("v", audio, 16_000, Encoding.F32LE, frameMs, true)) {
                in.pipeInput("v", dev.emostream.contract.Contracts.encode(f), clock);
                clock = clock.plusMillis(frameMs);
                driver.advanceWallClockTime(Duration.ofMillis(frameMs));
            }
            out.readRecordsToList().forEach(r -> events.add(EmotionTopologyTest.decode(r.value())));
        }
        return events;
    }

    @Test
    void streamsAtBothVadRatesInOneRoundEqualEachAlone() throws Exception {
        SpeechSignals.assumeEspeak();
        float[] wide = signal().samples();
        float[] narrow = atRate(wide, 8_000);
        List<float[]> wideAlone = run(wide, -1, 16_000, VadSettings.DEFAULTS);
        List<float[]> narrowAlone = run(narrow, -1, 8_000, VadSettings.DEFAULTS);
        // Both streams in every round: each ONNX call runs one of Silero's branches, the other stream waits a turn.
        var d = model.descriptor();
        StreamSession a = session(16_000, VadSettings.DEFAULTS);
        StreamSession b = session(8_000, VadSettings.DEFAULTS);
        var inference = new dev.emostream.vad.SpeechInference<StreamSession>(vad,
                new dev.emostream.model.BatchInference(model, 4, 250), 4, x -> x.gate, x -> x.model);
        List<float[]> wideSteps = new ArrayList<>();
        List<float[]> narrowSteps = new ArrayList<>();
        for (int k = 0; k * 320 < wide.length || k * 160 < narrow.length; k++) {
            if (k * 320 < wide.length) {
                float[] chunk = java.util.Arrays.copyOfRange(wide, k * 320, Math.min(wide.length, k * 320 + 320));
                a.accept(chunk, chunk.length);
            }
            if (k * 160 < narrow.length) {
                float[] chunk = java.util.Arrays.copyOfRange(narrow, k * 160, Math.min(narrow.length, k * 160 + 160));
                b.accept(chunk, chunk.length);
            }
            inference.run(List.of(a, b), (x, step, p) -> (x == a ? wideSteps : narrowSteps).add(p.clone()),
                    (n, t) -> { }, (n, t) -> { });
        }
        assertEquals(wideAlone.size(), wideSteps.size());
        assertEquals(narrowAlone.size(), narrowSteps.size());
        assertTrue(narrowSteps.size() > 50);
        for (int i = 0; i < wideAlone.size(); i++) {
            assertArrayEquals(wideAlone.get(i), wideSteps.get(i), 1e-5f, "16 kHz step " + i);
        }
        for (int i = 0; i < narrowAlone.size(); i++) {
            assertArrayEquals(narrowAlone.get(i), narrowSteps.get(i), 1e-5f, "8 kHz step " + i);
        }
    }

    static float[] atRate(float[] audio16k, int rate) {
        if (rate == 16_000) {
            return audio16k;
        }
        dev.emostream.audio.Resampler down = new dev.emostream.audio.Resampler(16_000, rate);
        float[] out = new float[down.maxOutput(audio16k.length) + down.maxFlushOutput()];
        int n = down.process(audio16k, 0, audio16k.length, out, 0);
        n += down.flush(out, n);
        return java.util.Arrays.copyOf(out, n);
    }

    private static StreamSession session(int rate, VadSettings settings) {
        var d = model.descriptor();
        StreamSession s = new StreamSession("s" + rate, null, null, rate, Encoding.S16LE, 1, new FeaturePipeline(d.featureSpec(), rate),
                new StreamState(d, 1000), new SpeechGate(settings, d.featureSpec(), d.framesPerStep(), 1000, rate));
        assertEquals(rate, s.gate.vadRate());
        return s;
    }

    /** Streams through a session, round-tripping it through bytes at {@code cut} (unless -1); returns every step. */
    private static List<float[]> run(float[] audio, int cut, int rate, VadSettings settings) {
        var d = model.descriptor();
        StreamSession s = session(rate, settings);
        var inference = new dev.emostream.vad.SpeechInference<StreamSession>(vad,
                new dev.emostream.model.BatchInference(model, 4, 250), 4, x -> x.gate, x -> x.model);
        List<float[]> steps = new ArrayList<>();
        StreamSession[] holder = {s};
        int size = rate / 50;
        for (int pos = 0; pos < audio.length; pos += size) {
            if (cut >= 0 && pos == cut) {
                holder[0] = StreamSession.fromBytes(holder[0].toBytes(), d, settings, 1000);
                assertEquals(rate, holder[0].gate.vadRate(), "a restored stream keeps its VAD rate");
            }
            float[] chunk = java.util.Arrays.copyOfRange(audio, pos, Math.min(audio.length, pos + size));
            holder[0].accept(chunk, chunk.length);
            inference.run(List.of(holder[0]), (x, step, p) -> steps.add(p.clone()), (b, n) -> { }, (b, n) -> { });
        }
        return steps;
    }
}
