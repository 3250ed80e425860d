package dev.emostream.stream;

import dev.emostream.audio.AudioFormatException;
import dev.emostream.audio.ChannelSelection;
import dev.emostream.audio.Encoding;
import dev.emostream.audio.NonFiniteSampleException;
import dev.emostream.audio.Resampler;
import dev.emostream.audio.SampleDecoder;
import dev.emostream.audio.SampleOutOfRangeException;
import dev.emostream.contract.AudioFrame;
import dev.emostream.contract.Contracts;
import dev.emostream.contract.EmotionEvent;
import dev.emostream.features.FeaturePipeline;
import dev.emostream.features.FeatureSpec;
import dev.emostream.model.BatchInference;
import dev.emostream.model.EmotionModel;
import dev.emostream.model.ModelDescriptor;
import dev.emostream.model.StreamState;
import dev.emostream.vad.SpeechGate;
import dev.emostream.vad.SpeechInference;
import dev.emostream.vad.VadSettings;
import dev.emostream.vad.VoiceActivity;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The per-task heart of the service. Each AudioFrame is checked, decoded, mixed to mono and run
 * through its stream's resampler and feature extractor; the feature frames queue in the stream's
 * model state. A wall-clock punctuator then steps every stream of the task that has a complete
 * model step in one batched ONNX call and emits an EmotionEvent whenever a stream's audio passes
 * its next hop. A bad record goes to the dead-letter topic with its reason and changes nothing.
 *
 * <p>Every change to a stream is written to the changelogged store before the record is done, so
 * a commit always covers both the input offsets and the state they produced (exactly-once).
 * Live sessions are also kept as objects here, so the DSP state is not rebuilt per record.
 */
final class EmotionProcessor implements Processor<String, byte[], String, byte[]> {
    private static final System.Logger LOG = System.getLogger(EmotionProcessor.class.getName());
    static final String END_OF_STREAM = "end_of_stream";
    static final String IDLE_TIMEOUT = "idle_timeout";

    private final TopologySettings settings;
    private final ModelDescriptor descriptor;
    private final FeatureSpec spec;
    private final int framesPerStep;
    private final StreamCounters counters;
    private final VadSettings vad;       // null: no voice activity detection
    private final SpeechInference<StreamSession> speech;
    private final ChannelSelection downmix = ChannelSelection.downmix();
    private final Map<String, StreamSession> sessions = new HashMap<>();
    /** Sessions with a complete model step queued or an end to emit; insertion order. */
    private final Set<StreamSession> ready = new LinkedHashSet<>();

    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, byte[]> store;
    private KeyValueStore<String, byte[]> ended;
    private KeyValueStore<String, byte[]> latest;
    private float[] samples = new float[4096];
    /** Wall clock of the last record this task processed: a quiet task's streams idle out by the wall clock alone. */
    private long lastRecordWall;

    EmotionProcessor(TopologySettings settings, EmotionModel model, VoiceActivity voice, StreamCounters counters) {
        this.settings = settings;
        this.descriptor = model.descriptor();
        this.spec = descriptor.featureSpec();
        this.framesPerStep = descriptor.framesPerStep();
        this.counters = counters;
        this.vad = voice == null ? null : voice.settings();
        BatchInference inference = new BatchInference(model, settings.maxBatch(), Math.max(1, settings.maxQueuedFrames() / framesPerStep));
        this.speech = new SpeechInference<>(voice == null ? null : voice.model(), inference, settings.maxBatch(),
                s -> s.gate, s -> s.model);
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(EmotionTopology.STORE);
        this.ended = context.getStateStore(EmotionTopology.ENDED_STORE);
        this.latest = context.getStateStore(EmotionTopology.LATEST_STORE);
        long now = context.currentSystemTimeMs();
        lastRecordWall = now;
        List<String> unreadable = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                try {
                    StreamSession s = StreamSession.fromBytes(kv.value, descriptor, vad, settings.maxQueuedFrames());
                    // The stored wall clock is the previous owner's: the idle timeout counts from now,
                    // or every stream would end at once after a restart longer than the timeout.
                    s.lastSeenWall = now;
                    sessions.put(kv.key, s);
                    if (s.ready(framesPerStep)) {
                        ready.add(s);
                    }
                } catch (IllegalArgumentException e) {
                    // E.g. a state written for another model version: the stream starts over.
                    LOG.log(System.Logger.Level.WARNING, "dropping the stored state of stream " + kv.key
                            + " (it starts over with its next frame): " + e.getMessage());
                    unreadable.add(kv.key);
                }
            }
        }
        unreadable.forEach(store::delete);
        counters.streamsAdded(sessions.size());
        context.schedule(Duration.ofMillis(settings.inferenceIntervalMs()), PunctuationType.WALL_CLOCK_TIME, this::runInference);
        context.schedule(Duration.ofMillis(settings.idleCheckIntervalMs()), PunctuationType.WALL_CLOCK_TIME, this::evictIdle);
        context.schedule(Duration.ofMillis(Math.min(60_000, settings.latestRetentionMs())), PunctuationType.WALL_CLOCK_TIME,
                this::expireLatest);
    }

    /** Drops latest events older than the retention: streams that ended (or stalled) long ago. */
    void expireLatest(long now) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = latest.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                try {
                    if (now - Contracts.decodeEvent(kv.value).getEmitTime().toEpochMilli() >= settings.latestRetentionMs()) {
                        expired.add(kv.key);
                    }
                } catch (java.io.IOException | RuntimeException e) {
                    expired.add(kv.key); // written by an incompatible version: nothing can read it
                }
            }
        }
        expired.forEach(latest::delete);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        lastRecordWall = context.currentSystemTimeMs();
        if (record.value() == null) {
            deadLetter(record, DeadLetterReason.UNDECODABLE, "the record has no value");
            return;
        }
        AudioFrame frame;
        try {
            frame = Contracts.decodeFrame(record.value());
        } catch (Exception e) {
            deadLetter(record, DeadLetterReason.UNDECODABLE, "not an AudioFrame in Avro single-object encoding: " + e);
            return;
        }
        try {
            accept(record, frame);
        } catch (KafkaException e) {
            throw e; // the store or the producer failed, not this record: Kafka Streams handles it
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "frame " + frame.getSequence() + " of stream " + frame.getStreamId()
                    + " failed: " + e, e);
            resync(frame.getStreamId());
            deadLetter(record, DeadLetterReason.PROCESSING_ERROR, e.toString());
        }
    }

    /**
     * After an unexpected failure half way through a frame, the live session may hold part of its
     * effect: replace it with the stored one (the state before the frame), so the frame changes
     * nothing, as every other dead letter.
     */
    private void resync(String id) {
        StreamSession live = sessions.remove(id);
        if (live != null) {
            ready.remove(live);
        }
        byte[] stored = store.get(id);
        StreamSession restored = null;
        if (stored != null) {
            try {
                restored = StreamSession.fromBytes(stored, descriptor, vad, settings.maxQueuedFrames());
            } catch (IllegalArgumentException e) {
                store.delete(id);
            }
        }
        if (restored != null) {
            sessions.put(id, restored);
            if (restored.ready(framesPerStep)) {
                ready.add(restored);
            }
        }
        int before = live == null ? 0 : 1;
        int after = restored == null ? 0 : 1;
        if (before > after) {
            counters.streamsRemoved(before - after);
        } else if (after > before) {
            counters.streamsAdded(after - before);
        }
    }

    private void accept(Record<String, byte[]> record, AudioFrame frame) {
        String id = frame.getStreamId();
        if (id.isEmpty() || tooLong(id) || tooLong(frame.getCallId()) || tooLong(frame.getRole())) {
            deadLetter(record, DeadLetterReason.BAD_IDENTIFIER, "stream id must be 1-" + TopologySettings.MAX_IDENTIFIER_LENGTH
                    + " characters and call id and role at most " + TopologySettings.MAX_IDENTIFIER_LENGTH);
            return;
        }
        if (!id.equals(record.key())) {
            deadLetter(record, DeadLetterReason.KEY_MISMATCH, "record key " + (record.key() == null ? "null" : "'" + record.key() + "'")
                    + " is not the frame's stream id '" + id + "': a stream's frames must be keyed by its id");
            return;
        }
        Encoding encoding;
        try {
            encoding = Encoding.parse(frame.getEncoding());
        } catch (AudioFormatException e) {
            deadLetter(record, DeadLetterReason.UNKNOWN_ENCODING, e.getMessage());
            return;
        }
        int rate = frame.getSampleRate();
        if (!Resampler.isSupportedRate(rate)) {
            deadLetter(record, DeadLetterReason.UNSUPPORTED_SAMPLE_RATE, "sample rate " + rate + " Hz; supported: "
                    + Arrays.toString(Resampler.supportedRates()));
            return;
        }
        int channels = frame.getChannels();
        if (channels < 1 || channels > settings.maxChannels()) {
            deadLetter(record, DeadLetterReason.BAD_CHANNELS, channels + " channels; accepted: 1 to " + settings.maxChannels());
            return;
        }
        ByteBuffer payload = frame.getPayload();
        int bytes = payload.remaining();
        if (bytes > settings.maxFrameBytes()) {
            deadLetter(record, DeadLetterReason.OVERSIZED_PAYLOAD, bytes + " bytes of audio; the limit is " + settings.maxFrameBytes());
            return;
        }
        if (bytes == 0 && !frame.getEndOfStream()) {
            deadLetter(record, DeadLetterReason.EMPTY_PAYLOAD, "no audio in a frame that does not end the stream");
            return;
        }
        int sampleFrameBytes = encoding.bytesPerSample() * channels;
        if (bytes % sampleFrameBytes != 0) {
            deadLetter(record, DeadLetterReason.PARTIAL_SAMPLE, bytes + " bytes is not a whole number of " + channels + "-channel "
                    + encoding.name().toLowerCase(Locale.ROOT) + " samples (" + sampleFrameBytes + " bytes each)");
            return;
        }
        long seq = frame.getSequence();
        StreamSession session = sessions.get(id);
        if (session != null && session.ended() && seq > session.lastSequence) {
            // A new stream under the id of one whose final event is still pending (a reconnect or a
            // second take, read from a backlog faster than the punctuator runs): the old stream is
            // finished now, so the new one starts with this frame whatever the batching.
            runInference(context.currentSystemTimeMs());
            session = sessions.get(id);
        }
        boolean created = false;
        boolean reusesEndedId = false;
        if (session != null) {
            if (session.ended()) {
                deadLetter(record, DeadLetterReason.AFTER_END_OF_STREAM, "stream " + id + " ended (" + session.endReason
                        + ") with sequence " + session.lastSequence + "; this frame (" + seq + ") belongs to it");
                return;
            }
            if (session.sampleRate != rate || session.encoding != encoding || session.channels != channels) {
                deadLetter(record, DeadLetterReason.FORMAT_CHANGE, "stream started as " + session.sampleRate + " Hz "
                        + session.encoding + " x" + session.channels + ", this frame is " + rate + " Hz " + encoding + " x" + channels);
                return;
            }
            if (seq == session.lastSequence) {
                deadLetter(record, DeadLetterReason.DUPLICATE, "sequence " + seq + " was already taken");
                return;
            }
            if (seq < session.lastSequence) {
                deadLetter(record, DeadLetterReason.OUT_OF_ORDER, "sequence " + seq + " arrived after " + session.lastSequence);
                return;
            }
        } else {
            byte[] tombstone = ended.get(id);
            if (tombstone != null) {
                long endedAt = ByteBuffer.wrap(tombstone).getLong();
                if (seq <= endedAt) {
                    deadLetter(record, DeadLetterReason.AFTER_END_OF_STREAM, "stream " + id + " ended with sequence " + endedAt
                            + "; this frame (" + seq + ") belongs to it");
                    return;
                }
                reusesEndedId = true; // a higher number: the id is used for a new stream (forgotten once the frame is taken)
            }
            // Built before the slot is taken: should building fail, no slot is held by a stream that is not there.
            StreamSession fresh = new StreamSession(id, frame.getCallId(), frame.getRole(), rate, encoding, channels,
                    new FeaturePipeline(spec, rate), new StreamState(descriptor, settings.maxQueuedFrames()),
                    new SpeechGate(vad, spec, framesPerStep, settings.maxQueuedFrames(), rate));
            if (!counters.tryAddStream(settings.maxActiveStreams())) {
                deadLetter(record, DeadLetterReason.TOO_MANY_STREAMS, "this instance already holds " + settings.maxActiveStreams()
                        + " streams (streams.max.active)");
                return;
            }
            session = fresh;
            session.lastSequence = seq - 1;
            session.nextEventMs = settings.eventHopMs();
            created = true;
            sessions.put(id, session); // so that resync() releases its slot should the frame fail half way
        }
        int count = bytes / sampleFrameBytes;
        long frames = maxFeatureFrames(session, count);
        // With the VAD, the frame's audio also waits (as samples) until the next inference round.
        frames += session.gate.sampleFrameEquivalents((long) Math.ceil(count * (double) spec.sampleRate() / rate) + 1);
        if (frames > settings.maxQueuedFrames()) {
            release(id, created);
            deadLetter(record, DeadLetterReason.OVERSIZED_PAYLOAD, "a frame of " + (count * 1000L / rate) + " ms of audio makes up to "
                    + frames + " feature frames (with the VAD, its samples waiting for it counted in frames' worth), "
                    + "more than a stream may queue (stream.max.queued.frames = "
                    + settings.maxQueuedFrames() + "): send shorter frames");
            return;
        }
        if (session.waitingFrames() + frames > settings.maxQueuedFrames()) {
            release(id, created);
            deadLetter(record, DeadLetterReason.STREAM_OVERLOADED, "stream " + id + " has " + session.waitingFrames()
                    + " feature frames waiting for inference; this frame could pass the limit of " + settings.maxQueuedFrames());
            return;
        }
        int values = count * channels;
        if (samples.length < values) {
            samples = new float[values];
        }
        try {
            SampleDecoder.decode(encoding, payload.array(), payload.arrayOffset() + payload.position(), bytes, samples, 0);
        } catch (NonFiniteSampleException e) {
            release(id, created);
            deadLetter(record, DeadLetterReason.NON_FINITE_SAMPLE, e.getMessage());
            return;
        } catch (SampleOutOfRangeException e) {
            release(id, created);
            deadLetter(record, DeadLetterReason.SAMPLE_OUT_OF_RANGE, e.getMessage());
            return;
        }
        if (channels > 1) {
            downmix.toMono(samples, 0, count, channels, samples, 0);
        }
        session.accept(samples, count);
        long missing = seq - session.lastSequence - 1;
        if (missing < 0) {
            missing = Long.MAX_VALUE; // seq > lastSequence here: only an overflow makes it negative
        }
        if (missing > 0) {
            session.gaps = session.gaps > Long.MAX_VALUE - missing ? Long.MAX_VALUE : session.gaps + missing;
        }
        session.lastSequence = seq;
        session.lastFrameTime = record.timestamp();
        session.lastSeenWall = context.currentSystemTimeMs();
        if (frame.getEndOfStream()) {
            session.end(END_OF_STREAM);
        }
        long featureFrames = session.featureFrames();
        StreamSession.FrameMark lastMark = session.marks.peekLast();
        if (lastMark == null || lastMark.featureFrames() < featureFrames) {
            // Only a frame that completed feature frames can complete a step: one mark per such frame.
            session.marks.add(new StreamSession.FrameMark(featureFrames, seq, record.timestamp()));
        }
        if (session.ready(framesPerStep)) {
            ready.add(session);
        }
        putState(id, session);
        if (reusesEndedId) {
            // Only now: a refused frame must leave the ended stream's late frames recognisable.
            ended.delete(id);
        }
        counters.frameIn(bytes);
        if (missing > 0) {
            deadLetter(record, DeadLetterReason.SEQUENCE_GAP, missing + " frame(s) missing before sequence " + seq
                    + " (expected " + (seq - missing) + "); this frame was processed and the stream goes on without them");
        }
    }

    private static boolean tooLong(String s) {
        return s != null && s.length() > TopologySettings.MAX_IDENTIFIER_LENGTH;
    }

    /** Undoes the creation of a stream whose first frame was refused. */
    private void release(String id, boolean created) {
        if (created) {
            sessions.remove(id);
            counters.streamsRemoved(1);
        }
    }

    /**
     * The most feature frames {@code count} more input samples can make, including the resampler's
     * flush should the stream end with them: so a frame that fits can never overflow the queue half way.
     */
    private long maxFeatureFrames(StreamSession session, int count) {
        long resampled = (long) Math.ceil(count * (double) spec.sampleRate() / session.sampleRate) + 1;
        // + 1 for the carried remainder completing a frame, + 2 for the resampler's flush at the end.
        return resampled / spec.hopLength() + 3;
    }

    /**
     * Runs voice activity and the model for every ready stream of this task, batched, and emits their
     * events; then finalises ended streams.
     */
    void runInference(long now) {
        if (ready.isEmpty()) {
            return;
        }
        List<StreamSession> streams = new ArrayList<>(ready);
        speech.run(streams, new SpeechInference.Listener<>() {
            @Override
            public void onStep(StreamSession s, long step, float[] probabilities) {
                EmotionProcessor.this.onStep(s, step, probabilities, now);
            }

            @Override
            public void onUtteranceStart(StreamSession s) {
                long startMs = ms(s.gate.utteranceStartSample());
                StreamSession.FrameMark m = decidedMark(s);
                emit(s, EventKind.UTTERANCE_START, startMs, startMs, null, m.sequence(), m.timestamp(), now, true,
                        modelFrames(s));
            }

            @Override
            public void onUtteranceEnd(StreamSession s) {
                StreamSession.FrameMark m = decidedMark(s);
                emit(s, EventKind.UTTERANCE_END, ms(s.gate.utteranceStartSample()), ms(s.gate.utteranceEndSample()),
                        s.gate.utteranceProbabilities(), m.sequence(), m.timestamp(), now, true, modelFrames(s));
            }

            @Override
            public void onDecided(StreamSession s) {
                onSilence(s, now);
            }

            @Override
            public void onQuietWindow(StreamSession s) {
                counters.vadQuietWindow();
            }
        }, counters::vadCall, counters::inferenceCall);
        for (StreamSession s : streams) {
            if (s.ended()) {
                emit(s, EventKind.STREAM_END, s.lastEventEndMs, s.audioMs(), s.lastProbabilities, s.lastSequence,
                        s.lastFrameTime, now, false, modelFrames(s));
                store.delete(s.streamId);
                ended.put(s.streamId, ByteBuffer.allocate(16).putLong(s.lastSequence).putLong(now).array());
                sessions.remove(s.streamId);
                counters.streamsRemoved(1);
            } else {
                putState(s.streamId, s);
            }
        }
        ready.clear();
    }

    private void putState(String id, StreamSession session) {
        byte[] bytes = session.toBytes();
        store.put(id, bytes);
        counters.statePut(bytes.length);
    }

    private static long ms(long samples16k) {
        return samples16k * 1000 / dev.emostream.vad.SileroVad.SAMPLE_RATE;
    }

    private void onStep(StreamSession s, long step, float[] probabilities, long now) {
        if (s.lastProbabilities == null) {
            s.lastProbabilities = new float[probabilities.length];
        }
        System.arraycopy(probabilities, 0, s.lastProbabilities, 0, probabilities.length);
        // Marks of frames whose feature frames are all stepped are done with (keeps the state small).
        long framesNeeded = s.gate.stepLastFrame(step) + 1;
        while (s.marks.size() > 1 && s.marks.peekFirst().featureFrames() < framesNeeded) {
            s.marks.pollFirst();
        }
        long endMs = stepEndMs(s, step);
        if (endMs < s.nextEventMs) {
            return;
        }
        StreamSession.FrameMark mark = s.marks.peekFirst();
        if (mark != null && mark.featureFrames() < framesNeeded) {
            mark = null; // restored from a state without marks: fall back to the newest frame
        }
        long sequence = mark == null ? s.lastSequence : mark.sequence();
        long frameTime = mark == null ? s.lastFrameTime : mark.timestamp();
        // A step is always speech of the gate's current utterance (it halts at an utterance's end until
        // the last steps have run), whatever the VAD has decided since.
        emit(s, EventKind.PROGRESS, s.lastEventEndMs, endMs, s.lastProbabilities, sequence, frameTime, now, true,
                (step + 1) * framesPerStep);
        advance(s, endMs);
    }

    /**
     * Progress over silence: an event without a label at each hop of audio the VAD has decided is
     * not speech (at the hop itself, so events do not depend on how the audio was batched).
     */
    private void onSilence(StreamSession s, long now) {
        if (s.gate.inSpeech() || s.gate.utteranceEnded()) {
            return; // an ended utterance's last steps come first (onDecided is called again once it is closed)
        }
        long decidedMs = ms(s.gate.decidedSamples());
        while (decidedMs >= s.nextEventMs) {
            StreamSession.FrameMark m = decidedMark(s);
            long endMs = s.nextEventMs;
            emit(s, EventKind.PROGRESS, s.lastEventEndMs, endMs, null, m.sequence(), m.timestamp(), now, false,
                    modelFrames(s));
            advance(s, endMs);
        }
        if (s.model.queuedFrames() == 0) {
            // No step is waiting for frames before the decided audio: their marks are done with.
            long frames = s.gate.framesEndingBy(s.gate.decidedSamples());
            while (s.marks.size() > 1 && s.marks.peekFirst().featureFrames() < frames) {
                s.marks.pollFirst();
            }
        }
    }

    /** The frame whose audio completed what the VAD has decided (for an event's last_sequence and frame_time). */
    private StreamSession.FrameMark decidedMark(StreamSession s) {
        long frames = s.gate.framesEndingBy(Math.min(s.gate.decidedSamples(), Long.MAX_VALUE / 2));
        for (StreamSession.FrameMark m : s.marks) {
            if (m.featureFrames() >= frames) {
                return m;
            }
        }
        return new StreamSession.FrameMark(frames, s.lastSequence, s.lastFrameTime);
    }

    private void advance(StreamSession s, long endMs) {
        s.lastEventEndMs = endMs;
        if (s.nextEventMs <= endMs) {
            // The first multiple of the hop past endMs (one step, not a loop over hops).
            long hop = settings.eventHopMs();
            s.nextEventMs += ((endMs - s.nextEventMs) / hop + 1) * hop;
        }
    }

    /** Audio offset (ms) of the end of the last analysis window of model step {@code step} of the stream. */
    long stepEndMs(StreamSession s, long step) {
        return s.gate.stepEndSample(step) * 1000 / spec.sampleRate();
    }

    /** Frames of speech the model has stepped so far (steps never straddle utterances; dropped remainders do not count). */
    private long modelFrames(StreamSession s) {
        return s.model.stepsDone() * framesPerStep;
    }

    /**
     * @param inUtterance  with VAD: whether the event belongs to an utterance (its steps, its start
     *                     and end); without VAD every event is speech
     * @param speechFrames frames of speech the model had heard when this event's audio was heard
     */
    private void emit(StreamSession s, EventKind type, long startMs, long endMs, float[] p, long sequence, long frameTime,
                      long now, boolean inUtterance, long speechFrames) {
        boolean isFinal = type == EventKind.STREAM_END;
        String label = null;
        float confidence = 0;
        List<Float> probabilities = new ArrayList<>(p == null ? 0 : p.length);
        if (p != null) {
            int best = 0;
            for (int i = 0; i < p.length; i++) {
                probabilities.add(p[i]);
                if (p[i] > p[best]) {
                    best = i;
                }
            }
            label = descriptor.labels().get(best);
            confidence = p[best];
        }
        SpeechGate gate = s.gate;
        boolean vadOn = gate.vadEnabled();
        boolean utterance = vadOn && inUtterance;
        EmotionEvent event = EmotionEvent.newBuilder()
                .setStreamId(s.streamId)
                .setCallId(s.callId)
                .setRole(s.role)
                .setAudioStartMs(startMs)
                .setAudioEndMs(endMs)
                .setLabel(label)
                .setConfidence(confidence)
                .setLabels(descriptor.labels())
                .setProbabilities(probabilities)
                .setModelVersion(descriptor.modelVersion())
                .setLastSequence(sequence)
                .setFrameTime(Instant.ofEpochMilli(frameTime))
                .setEmitTime(Instant.ofEpochMilli(now))
                .setProcessingLatencyMs(now - frameTime)
                .setFinal$(isFinal)
                .setFinalReason(isFinal ? s.endReason : null)
                .setEventType(type.wireName())
                .setSpeech(!vadOn || utterance)
                .setUtterance(utterance ? gate.utterance() : null)
                .setUtteranceStartMs(utterance ? ms(gate.utteranceStartSample()) : null)
                .setUtteranceEndMs(type == EventKind.UTTERANCE_END ? ms(gate.utteranceEndSample()) : null)
                .setSpeechMs(speechFrames * spec.hopLength() * 1000L / spec.sampleRate())
                .build();
        byte[] value = Contracts.encode(event);
        // The event carries its frame's timestamp, so output timestamps follow the input, not the wall clock.
        context.forward(new Record<>(s.streamId, value, frameTime), EmotionTopology.EVENTS_SINK);
        latest.put(s.streamId, value);
        counters.eventOut(label, isFinal, now - frameTime);
    }

    /**
     * Ends streams that have had no frame for the idle timeout; their final events follow at once.
     * Idle means no frame for the timeout by the wall clock and, while the task has records to
     * process, also by stream time: a task catching up on a backlog must not end streams whose
     * next frames are still in it.
     */
    void evictIdle(long now) {
        long timeout = settings.idleTimeoutMs();
        boolean taskQuiet = now - lastRecordWall >= timeout;
        long streamTime = context.currentStreamTimeMs();
        for (StreamSession s : sessions.values()) {
            if (!s.ended() && now - s.lastSeenWall >= timeout && (taskQuiet || streamTime - s.lastFrameTime >= timeout)) {
                try {
                    s.end(IDLE_TIMEOUT);
                } catch (RuntimeException e) {
                    // A punctuator has no record to dead-letter, and an exception here would stop the
                    // stream thread (and, restored unended, again after each restart): the stream ends
                    // without the audio its filters still held.
                    LOG.log(System.Logger.Level.WARNING, "stream " + s.streamId + ": flushing its last audio failed at its idle"
                            + " timeout (" + e + "); it ends without it");
                    s.endWithoutFlush(IDLE_TIMEOUT);
                }
                ready.add(s);
            }
        }
        runInference(now);
        // Ended streams are remembered for the idle timeout, long enough for their stragglers.
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = ended.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                if (now - ByteBuffer.wrap(kv.value).getLong(8) >= timeout) {
                    expired.add(kv.key);
                }
            }
        }
        expired.forEach(ended::delete);
    }

    private void deadLetter(Record<String, byte[]> record, DeadLetterReason reason, String detail) {
        String source = context.recordMetadata().map(EmotionProcessor::describe).orElse(null);
        context.forward(new Record<>(record.key(), record.value(), record.timestamp(),
                DeadLetters.headers(record.headers(), reason, detail, source)), EmotionTopology.DLQ_SINK);
        counters.deadLetter(reason);
    }

    private static String describe(RecordMetadata m) {
        return m.topic() + "/" + m.partition() + "/" + m.offset();
    }

    @Override
    public void close() {
        counters.streamsRemoved(sessions.size());
        sessions.clear();
        ready.clear();
    }
}
