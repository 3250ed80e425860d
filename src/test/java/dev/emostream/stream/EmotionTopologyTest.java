package dev.emostream.stream;

import static dev.emostream.testing.EmotionEvents.assertSameEvents;
import static dev.emostream.testing.EmotionEvents.probabilities;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.audio.Encoding;
import dev.emostream.contract.AudioFrame;
import dev.emostream.contract.Contracts;
import dev.emostream.contract.EmotionEvent;
import dev.emostream.model.EmotionModel;
import dev.emostream.vad.SpeechClassifier;
import dev.emostream.vad.VadSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The topology on Kafka Streams' test driver: cadence, interleaving, eviction, every dead-letter path. */
class EmotionTopologyTest {
    static final TopologySettings SETTINGS = TopologySettings.defaults("audio", "emotions", "dlq");
    static final Instant START = Instant.parse("2026-11-22T10:00:00Z");
    static final EmotionModel model = TestModel.get();

    TopologyTestDriver driver;
    TestInputTopic<String, byte[]> input;
    TestOutputTopic<String, byte[]> output;
    TestOutputTopic<String, byte[]> deadLetters;
    StreamCounters counters;
    /** The wall clock and the timestamp of the next input record. */
    Instant clock;


    void open(TopologySettings settings) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "emostream-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        counters = new StreamCounters();
        clock = START;
        driver = new TopologyTestDriver(EmotionTopology.build(settings, model, counters), props, START);
        input = driver.createInputTopic(settings.audioTopic(), new StringSerializer(), new ByteArraySerializer());
        output = driver.createOutputTopic(settings.emotionsTopic(), new StringDeserializer(), new ByteArrayDeserializer());
        deadLetters = driver.createOutputTopic(settings.deadLetterTopic(), new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    /** Sends frames at real-time pace: 20 ms of wall clock after each (which runs the inference punctuator). */
    void send(List<AudioFrame> frames) {
        for (AudioFrame f : frames) {
            send(f);
        }
    }

    void send(AudioFrame f) {
        sendRaw(f.getStreamId(), Contracts.encode(f));
    }

    void sendRaw(String key, byte[] value) {
        input.pipeInput(key, value, clock);
        advance(20);
    }

    void advance(long ms) {
        clock = clock.plusMillis(ms);
        driver.advanceWallClockTime(Duration.ofMillis(ms));
    }

    List<EmotionEvent> events() {
        List<EmotionEvent> events = new ArrayList<>();
        for (TestRecord<String, byte[]> r : output.readRecordsToList()) {
            EmotionEvent e = decode(r.value());
            assertEquals(e.getStreamId(), r.key(), "events are keyed by stream id");
            events.add(e);
        }
        return events;
    }

    static EmotionEvent decode(byte[] bytes) {
        try {
            return Contracts.decodeEvent(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The reason codes of the dead letters written since the last read. */
    List<String> reasons() {
        return deadLetters.readRecordsToList().stream()
                .map(r -> DeadLetters.header(r.headers(), DeadLetters.REASON_HEADER)).toList();
    }

    KeyValueStore<String, byte[]> store() {
        return driver.getKeyValueStore(EmotionTopology.STORE);
    }

    @Test
    void emitsAnEventEveryHopAndAFinalOneThatEqualTheOfflineModel() {
        open(SETTINGS);
        float[] signal = TestFrames.voice(16_000, 3.0, 1);
        send(TestFrames.frames("s1", signal, 16_000, Encoding.F32LE, 20, true));
        List<EmotionEvent> events = events();

        // The same audio through the offline single-stream path: every step's probabilities.
        List<float[]> steps = new ArrayList<>();
        new SpeechClassifier(model, null, VadSettings.DEFAULTS, 16_000, 1000, (i, end, speech, p) -> steps.add(p.clone()))
                .streamAll(signal, signal.length);

        EmotionEvent last = events.get(events.size() - 1);
        assertTrue(last.getFinal$());
        assertEquals("end_of_stream", last.getFinalReason());
        assertEquals(3000, last.getAudioEndMs());
        assertArrayEquals(steps.get(steps.size() - 1), probabilities(last), 1e-6f, "final event: the last step's posterior");
        List<EmotionEvent> hops = events.subList(0, events.size() - 1);
        assertEquals(5, hops.size(), "events at 0.5, 1.0, 1.5, 2.0, 2.5 s of audio (3.0 s ends the stream)");
        long previousEnd = 0;
        for (int k = 0; k < hops.size(); k++) {
            EmotionEvent e = hops.get(k);
            assertFalse(e.getFinal$());
            assertNull(e.getFinalReason());
            assertEquals(previousEnd, e.getAudioStartMs());
            long boundary = 500L * (k + 1);
            assertTrue(e.getAudioEndMs() >= boundary && e.getAudioEndMs() < boundary + 40,
                    "event " + k + " ends at " + e.getAudioEndMs() + " ms, the first step past " + boundary);
            // Step s ends at 40 s + 55 ms of audio (4 frames of 10 ms, 25 ms windows).
            int step = (int) ((e.getAudioEndMs() - 55) / 40);
            assertArrayEquals(steps.get(step), probabilities(e), 1e-6f, "event " + k + " = offline step " + step);
            int best = 0;
            for (int i = 1; i < 8; i++) {
                best = steps.get(step)[i] > steps.get(step)[best] ? i : best;
            }
            assertEquals(model.descriptor().labels().get(best), e.getLabel());
            assertEquals(steps.get(step)[best], e.getConfidence(), 1e-6f);
            assertEquals(model.descriptor().labels(), e.getLabels());
            assertEquals(model.descriptor().modelVersion(), e.getModelVersion());
            assertEquals("call-s1", e.getCallId());
            assertEquals("customer", e.getRole());
            previousEnd = e.getAudioEndMs();
        }
        assertEquals(0, counters.deadLettersTotal());
        assertEquals(0, counters.activeStreams());
        assertNull(store().get("s1"), "an ended stream's state is evicted");
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void eventsNameTheFrameThatCompletedThem() {
        open(SETTINGS);
        send(TestFrames.frames("s1", TestFrames.voice(8_000, 2.0, 2), 8_000, Encoding.MULAW, 20, false));
        for (EmotionEvent e : events()) {
            // The frame holding audio up to audio_end_ms: frame k covers [20k, 20k + 20) ms; the
            // resampler's look-ahead may need part of the next frame.
            long frame = e.getLastSequence();
            assertTrue(e.getAudioEndMs() <= (frame + 1) * 20 && e.getAudioEndMs() > frame * 20 - 20,
                    "event ending at " + e.getAudioEndMs() + " ms names frame " + frame);
            assertEquals(START.plusMillis(20 * frame), e.getFrameTime(), "frame_time is that frame's record timestamp");
            assertEquals(e.getEmitTime().toEpochMilli() - e.getFrameTime().toEpochMilli(), e.getProcessingLatencyMs());
            assertTrue(e.getProcessingLatencyMs() >= 0 && e.getProcessingLatencyMs() <= 20,
                    "stepped by the next punctuation, at most 20 ms of wall clock later: " + e.getProcessingLatencyMs());
        }
    }

    @Test
    void twoInterleavedSpeakersGiveExactlyTheEventsEachGivesAlone() {
        List<AudioFrame> a = TestFrames.frames("a", TestFrames.voice(16_000, 2.2, 3), 16_000, Encoding.S16LE, 20, true);
        List<AudioFrame> b = TestFrames.frames("b", TestFrames.voice(8_000, 1.7, 4), 8_000, Encoding.ALAW, 30, true);
        open(SETTINGS);
        send(a);
        List<EmotionEvent> aloneA = events();
        close();
        open(SETTINGS);
        send(b);
        List<EmotionEvent> aloneB = events();
        close();

        open(SETTINGS);
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            if (i < a.size()) {
                sendRaw("a", Contracts.encode(a.get(i)));
            }
            if (i < b.size()) {
                // Both speakers' frames arrive before the punctuator runs: they share ONNX calls.
                input.pipeInput("b", Contracts.encode(b.get(i)), clock);
            }
        }
        Map<String, List<EmotionEvent>> together = new HashMap<>();
        for (EmotionEvent e : events()) {
            together.computeIfAbsent(e.getStreamId(), k -> new ArrayList<>()).add(e);
        }
        assertTrue(counters.inferenceBatchedStreams() > counters.inferenceCalls(), "some calls stepped both streams: "
                + counters.inferenceBatchedStreams() + " stream steps in " + counters.inferenceCalls() + " calls");
        assertSameEvents("a", aloneA, together.get("a"));
        assertSameEvents("b", aloneB, together.get("b"));
    }

    @Test
    void badRecordsGoToTheDeadLetterTopicWithTheirReasonAndTheStreamGoesOn() {
        TopologySettings settings = SETTINGS.withLimits(2048, 1000, 10_000);
        List<AudioFrame> good = TestFrames.frames("s", TestFrames.voice(16_000, 1.6, 5), 16_000, Encoding.S16LE, 20, true);
        open(settings);
        send(good);
        List<EmotionEvent> clean = events();
        close();

        open(settings);
        List<byte[]> sentValues = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        java.util.function.BiConsumer<String, AudioFrame> bad = (key, f) -> {
            byte[] value = Contracts.encode(f);
            sentValues.add(value);
            keys.add(key);
            sendRaw(key, value);
        };
        AudioFrame second = good.get(1);
        for (int i = 0; i < good.size(); i++) {
            send(good.get(i));
            switch (i) {
                case 3 -> {
                    sendRaw("s", "not avro at all".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    sendRaw("s", null);
                }
                case 4 -> bad.accept("other", good.get(5));
                case 5 -> bad.accept("", TestFrames.copy(good.get(6)).setStreamId("").build());
                case 6 -> bad.accept("s", TestFrames.copy(good.get(7)).setRole("r".repeat(300)).build());
                case 7 -> bad.accept("s", TestFrames.copy(good.get(8)).setEncoding("opus").build());
                case 8 -> bad.accept("s", TestFrames.copy(good.get(9)).setSampleRate(12_345).build());
                case 9 -> bad.accept("s", TestFrames.copy(good.get(10)).setChannels(0).build());
                case 10 -> bad.accept("s", TestFrames.copy(good.get(11)).setPayload(ByteBuffer.allocate(0)).build());
                case 11 -> bad.accept("s", TestFrames.copy(good.get(12)).setPayload(ByteBuffer.allocate(3000)).build());
                case 12 -> bad.accept("s", TestFrames.copy(good.get(13)).setPayload(ByteBuffer.allocate(641)).build());
                case 13 -> bad.accept("s", good.get(13));                                  // duplicate
                case 14 -> bad.accept("s", good.get(11));                                  // out of order
                case 15 -> bad.accept("s", TestFrames.copy(good.get(16)).setSampleRate(8_000).build());
                case 16 -> bad.accept("s", TestFrames.copy(good.get(17)).setEncoding("mulaw").setPayload(ByteBuffer.allocate(320)).build());
                default -> { }
            }
        }
        List<TestRecord<String, byte[]>> letters = deadLetters.readRecordsToList();
        List<String> reasons = new ArrayList<>();
        for (TestRecord<String, byte[]> r : letters) {
            reasons.add(DeadLetters.header(r.headers(), DeadLetters.REASON_HEADER));
            assertNotNull(DeadLetters.header(r.headers(), DeadLetters.DETAIL_HEADER));
        }
        assertEquals(List.of("undecodable", "undecodable", "key_mismatch", "bad_identifier", "bad_identifier",
                "unknown_encoding", "unsupported_sample_rate", "bad_channels", "empty_payload", "oversized_payload",
                "partial_sample", "duplicate", "out_of_order", "format_change", "format_change"), reasons);
        // The dead letter is the record as it came: same key, same bytes.
        assertEquals(sentValues.size(), letters.size() - 2);
        for (int i = 2; i < letters.size(); i++) {
            assertArrayEquals(sentValues.get(i - 2), letters.get(i).value(), "dead letter " + i);
            assertEquals(keys.get(i - 2), letters.get(i).key());
        }
        assertArrayEquals("not avro at all".getBytes(java.nio.charset.StandardCharsets.UTF_8), letters.get(0).value());
        assertNull(letters.get(1).value());
        assertEquals(15, counters.deadLettersTotal());
        assertEquals(2, counters.deadLetters(DeadLetterReason.FORMAT_CHANGE));
        assertSameEvents("s", clean, events());
    }

    static AudioFrame decodeFrame(byte[] bytes) {
        try {
            return Contracts.decodeFrame(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aGapIsReportedAndTheStreamGoesOnWithoutTheMissingFrames() {
        open(SETTINGS);
        List<AudioFrame> frames = TestFrames.frames("g", TestFrames.voice(16_000, 1.2, 6), 16_000, Encoding.S16LE, 20, true);
        List<AudioFrame> withGap = new ArrayList<>(frames);
        withGap.subList(10, 13).clear();
        send(withGap);
        List<TestRecord<String, byte[]>> letters = deadLetters.readRecordsToList();
        assertEquals(1, letters.size());
        assertEquals("sequence_gap", DeadLetters.header(letters.get(0).headers(), DeadLetters.REASON_HEADER));
        assertTrue(DeadLetters.header(letters.get(0).headers(), DeadLetters.DETAIL_HEADER).startsWith("3 frame(s) missing before sequence 13"));
        List<EmotionEvent> events = events();
        EmotionEvent last = events.get(events.size() - 1);
        assertTrue(last.getFinal$());
        assertEquals(1200 - 60, last.getAudioEndMs(), "the stream's audio is what arrived: 60 ms fewer");
        assertEquals(frames.size() - 1, last.getLastSequence());
    }

    @Test
    void theStoredStateCountsAGapWithTheFrameThatRevealedIt() {
        open(SETTINGS);
        List<AudioFrame> frames = TestFrames.frames("g", TestFrames.voice(16_000, 0.4, 6), 16_000, Encoding.S16LE, 20, false);
        send(frames.subList(0, 5));
        send(frames.get(8)); // 5, 6 and 7 missing
        assertEquals(List.of("sequence_gap"), reasons());
        // What a restarted task would continue from: the state written with frame 8.
        StreamSession stored = StreamSession.fromBytes(store().get("g"), model.descriptor(), null, SETTINGS.maxQueuedFrames());
        assertEquals(8, stored.lastSequence);
        assertEquals(3, stored.gaps);
    }

    @Test
    void aFrameWithASampleFarBeyondFullScaleIsRefused() {
        // Finite, but near the float limit: the resampler's sums would overflow at the stream's end.
        open(SETTINGS);
        float[] signal = TestFrames.voice(48_000, 0.1, 7);
        signal[100] = 3.0e38f;
        send(TestFrames.frames("h", signal, 48_000, Encoding.F32LE, 100, false).get(0));
        List<TestRecord<String, byte[]>> letters = deadLetters.readRecordsToList();
        assertEquals("sample_out_of_range", DeadLetters.header(letters.get(0).headers(), DeadLetters.REASON_HEADER));
        assertTrue(DeadLetters.header(letters.get(0).headers(), DeadLetters.DETAIL_HEADER).contains("sample 100"));
        assertEquals(0, counters.activeStreams());
        // Audio over full scale (18 dB more gain, as float audio with headroom may be) is taken.
        float[] loud = TestFrames.voice(48_000, 0.1, 7);
        for (int i = 0; i < loud.length; i++) {
            loud[i] *= 8;
        }
        send(TestFrames.frames("h", loud, 48_000, Encoding.F32LE, 100, false).get(0));
        assertEquals(List.of(), reasons());
        assertEquals(1, counters.activeStreams());
    }

    @Test
    void aFrameWithNonFiniteSamplesIsRefusedWithoutStartingTheStream() {
        open(SETTINGS);
        float[] signal = TestFrames.voice(16_000, 0.1, 7);
        signal[100] = Float.NaN;
        send(TestFrames.frames("f", signal, 16_000, Encoding.F32LE, 100, false).get(0));
        List<TestRecord<String, byte[]>> letters = deadLetters.readRecordsToList();
        assertEquals("non_finite_sample", DeadLetters.header(letters.get(0).headers(), DeadLetters.REASON_HEADER));
        assertEquals(0, counters.activeStreams());
        assertNull(store().get("f"));
    }

    @Test
    void framesAfterEndOfStreamAndBeyondTheLimitsAreRefused() {
        open(SETTINGS.withLimits(1 << 20, 64, 2));
        List<AudioFrame> a = TestFrames.frames("a", TestFrames.voice(16_000, 0.2, 8), 16_000, Encoding.S16LE, 20, true);
        // Before the punctuator finalises "a", a straggler of it arrives.
        input.pipeInput("a", Contracts.encode(a.get(a.size() - 1)), clock);
        input.pipeInput("a", Contracts.encode(a.get(2)), clock);
        send(TestFrames.frames("b", TestFrames.voice(16_000, 0.1, 9), 16_000, Encoding.S16LE, 20, false).get(0));
        send(TestFrames.frames("c", TestFrames.voice(16_000, 0.1, 9), 16_000, Encoding.S16LE, 20, false).get(0));
        // 64 queued frames at most: two 0.4 s frames (40 feature frames each) before inference runs cannot fit.
        List<AudioFrame> long400 = TestFrames.frames("b", TestFrames.voice(16_000, 0.8, 9), 16_000, Encoding.S16LE, 400, false);
        input.pipeInput("b", Contracts.encode(TestFrames.copy(long400.get(0)).setSequence(1).build()), clock);
        input.pipeInput("b", Contracts.encode(TestFrames.copy(long400.get(1)).setSequence(2).build()), clock);
        List<String> reasons = reasons();
        // a was finalised and evicted by the punctuator before b and c arrived: they are the 2 streams held.
        assertEquals(List.of("after_end_of_stream", "stream_overloaded"), reasons);
        send(TestFrames.frames("d", TestFrames.voice(16_000, 0.1, 9), 16_000, Encoding.S16LE, 20, false).get(0));
        assertEquals(List.of("too_many_streams"), reasons());
        assertEquals(2, counters.activeStreams());
    }

    @Test
    void anIdleStreamGetsItsFinalEventAndIsEvicted() {
        open(SETTINGS.withIdleTimeoutMs(5_000));
        List<AudioFrame> frames = TestFrames.frames("i", TestFrames.voice(16_000, 1.0, 10), 16_000, Encoding.S16LE, 20, false);
        send(frames);
        assertNotNull(store().get("i"));
        assertEquals(1, counters.activeStreams());
        List<EmotionEvent> before = events();
        assertEquals(1, before.size(), "an event at 0.5 s; the 1.0 s one needs a window past the audio's end");
        advance(4_000);
        assertTrue(output.isEmpty(), "not idle yet");
        advance(1_500);
        List<EmotionEvent> after = events();
        assertEquals(1, after.size());
        EmotionEvent last = after.get(0);
        assertTrue(last.getFinal$());
        assertEquals("idle_timeout", last.getFinalReason());
        assertEquals(1000, last.getAudioEndMs());
        assertEquals(before.get(0).getAudioEndMs(), last.getAudioStartMs());
        assertNull(store().get("i"));
        assertEquals(0, counters.activeStreams());
        // After another idle timeout the ended stream is forgotten: the id is a new stream, numbered from 0.
        advance(5_500);
        send(TestFrames.frames("i", TestFrames.voice(16_000, 0.6, 11), 16_000, Encoding.S16LE, 20, false));
        assertTrue(deadLetters.isEmpty());
        EmotionEvent first = events().get(0);
        assertEquals(0, first.getAudioStartMs());
        assertTrue(first.getAudioEndMs() >= 500 && first.getAudioEndMs() < 540);
        assertTrue(first.getLastSequence() >= 24 && first.getLastSequence() <= 27, "numbered from the new stream's first frame");
    }

    @Test
    void aFrameLongerThanTheQueueIsRefusedAsOversizedNotAsOverload() {
        open(SETTINGS.withLimits(1 << 20, 100, 10));
        // 2 s of 8 kHz mu-law in one frame: 200 feature frames, the queue holds 100.
        send(TestFrames.frames("long", TestFrames.voice(8_000, 2.0, 12), 8_000, Encoding.MULAW, 2000, false).get(0));
        List<TestRecord<String, byte[]>> letters = deadLetters.readRecordsToList();
        assertEquals("oversized_payload", DeadLetters.header(letters.get(0).headers(), DeadLetters.REASON_HEADER));
        assertTrue(DeadLetters.header(letters.get(0).headers(), DeadLetters.DETAIL_HEADER).contains("send shorter frames"));
        assertEquals(0, counters.activeStreams());
    }

    /** A 0.6 s stream sent whole, ended by its last frame, its final event read. */
    private List<AudioFrame> endedStream(String id) {
        open(SETTINGS.withIdleTimeoutMs(5_000));
        List<AudioFrame> frames = TestFrames.frames(id, TestFrames.voice(16_000, 0.6, 13), 16_000, Encoding.S16LE, 20, true);
        send(frames);
        assertEquals(1, events().stream().filter(EmotionEvent::getFinal$).count());
        return frames;
    }

    @Test
    void lateFramesOfAnEndedStreamAreRefusedAndAHigherNumberStartsANewStream() {
        List<AudioFrame> frames = endedStream("e");
        send(frames.get(frames.size() - 1));                 // the end-of-stream frame again
        send(frames.get(3));                                  // a straggler
        assertEquals(List.of("after_end_of_stream", "after_end_of_stream"), reasons());
        assertEquals(0, counters.activeStreams());
        assertTrue(output.isEmpty(), "no phantom stream, no second final event");
        send(TestFrames.copy(frames.get(0)).setSequence(frames.size() + 10L).build());
        assertEquals(1, counters.activeStreams(), "a higher number starts a new stream with the same id");
        assertNotNull(driver.getKeyValueStore(EmotionTopology.ENDED_STORE));
        assertNull(driver.<String, byte[]>getKeyValueStore(EmotionTopology.ENDED_STORE).get("e"));
    }

    @Test
    void aNewStreamUnderTheIdOfOneWhoseFinalEventIsPendingLosesNoAudio() {
        // A reconnect read from a backlog: the first take's end and the second take's frames come
        // before the punctuator runs. The second take must give exactly the events it gives alone.
        open(SETTINGS.withIdleTimeoutMs(5_000));
        List<AudioFrame> take2 = TestFrames.frames("r", TestFrames.voice(16_000, 1.2, 16), 16_000, Encoding.S16LE, 20, true);
        send(take2);
        List<EmotionEvent> alone = events();
        assertTrue(alone.size() >= 2, "events at 0.5 and 1.0 s and a final one: " + alone.size());
        close();

        open(SETTINGS.withIdleTimeoutMs(5_000));
        List<AudioFrame> take1 = TestFrames.frames("r", TestFrames.voice(16_000, 0.6, 15), 16_000, Encoding.S16LE, 20, true);
        long offset = take1.size() + 1000L;
        for (AudioFrame f : take1) {
            input.pipeInput("r", Contracts.encode(f), clock); // no wall-clock time passes: no punctuation
        }
        for (AudioFrame f : take2) {
            input.pipeInput("r", Contracts.encode(TestFrames.copy(f).setSequence(f.getSequence() + offset).build()), clock);
        }
        advance(20);
        assertEquals(List.of(), reasons(), "no frame of the second take is refused");
        List<EmotionEvent> all = events();
        List<EmotionEvent> first = all.stream().filter(e -> e.getLastSequence() < offset).toList();
        List<EmotionEvent> second = all.stream().filter(e -> e.getLastSequence() >= offset).toList();
        assertEquals(1, first.stream().filter(EmotionEvent::getFinal$).count(), "the first take ends once");
        assertEquals(second.size(), alone.size());
        for (int i = 0; i < alone.size(); i++) {
            assertEquals(alone.get(i).getAudioEndMs(), second.get(i).getAudioEndMs());
            assertEquals(alone.get(i).getLabel(), second.get(i).getLabel());
            // Equal up to float rounding: ONNX Runtime's sums differ with how many steps one call takes.
            List<Float> expected = alone.get(i).getProbabilities();
            List<Float> actual = second.get(i).getProbabilities();
            assertEquals(expected.size(), actual.size(), "event " + i);
            for (int k = 0; k < expected.size(); k++) {
                assertEquals(expected.get(k), actual.get(k), 1e-6f, "event " + i + ", class " + k);
            }
            assertEquals(alone.get(i).getLastSequence() + offset, second.get(i).getLastSequence());
        }
        assertEquals(0, counters.activeStreams());
    }

    @Test
    void aRefusedHigherNumberedFrameLeavesTheEndedStreamRecognisable() {
        List<AudioFrame> frames = endedStream("e");
        // A new stream under the same id whose first frame is refused (NaN samples)...
        float[] bad = TestFrames.voice(16_000, 0.02, 14);
        bad[5] = Float.NaN;
        AudioFrame refused = TestFrames.copy(TestFrames.frames("e", bad, 16_000, Encoding.F32LE, 20, false).get(0))
                .setSequence(frames.size() + 10L).build();
        send(refused);
        assertEquals(List.of("non_finite_sample"), reasons());
        // ...changes nothing: a straggler of the ended stream is still recognised as one.
        send(frames.get(3));
        assertEquals(List.of("after_end_of_stream"), reasons());
        assertEquals(0, counters.activeStreams());
        assertTrue(output.isEmpty());
    }

    @Test
    void theLatestEventIsQueryableUntilTheRetentionAfterItThenDropped() {
        open(SETTINGS.withLatestRetentionMs(5_000));
        send(TestFrames.frames("kept", TestFrames.voice(16_000, 1.0, 3), 16_000, Encoding.S16LE, 20, true));
        advance(100);
        List<EmotionEvent> events = events();
        KeyValueStore<String, byte[]> latest = driver.getKeyValueStore(EmotionTopology.LATEST_STORE);
        assertEquals(events.get(events.size() - 1), decode(latest.get("kept")), "the final event is the latest");
        advance(3_000);
        assertNotNull(latest.get("kept"), "within the retention");
        advance(5_000);
        assertNull(latest.get("kept"), "dropped after the retention");
    }
}
