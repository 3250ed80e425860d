package dev.emostream.gateway;

import dev.emostream.audio.Encoding;
import dev.emostream.audio.Resampler;
import dev.emostream.contract.AudioFrame;
import dev.emostream.contract.Contracts;
import dev.emostream.contract.EmotionEvent;
import dev.emostream.stream.TopologySettings;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Set;

/**
 * One voice app's WebSocket: a start message, binary audio chunks, an end message in; the stream's
 * emotion events out. Chunks are gathered into AudioFrames (gateway.frame.ms) on the audio topic,
 * numbered from a base above every earlier connection's (see {@link #sequenceBase}).
 * Everything here runs on the connection's event loop; Kafka callbacks and hub deliveries are handed
 * back to it. The protocol is in README.md ("Gateway").
 */
final class AudioConnection {
    static final short BAD_MESSAGE = 4400;
    static final short IDLE_TIMEOUT = 4408;
    static final short STREAM_IN_USE = 4409;
    static final short RATE_LIMITED = 4429;
    static final short UNAVAILABLE = 4503;
    static final short INTERNAL_ERROR = 1011;
    static final short TOO_BIG = 1009;
    /** The processor's limit: a longer id would be dead-lettered there, so it is refused here. */
    static final int MAX_IDENTIFIER_LENGTH = TopologySettings.MAX_IDENTIFIER_LENGTH;
    static final int MAX_FRAME_MARKS = 10_000;

    private static final System.Logger LOG = System.getLogger(AudioConnection.class.getName());

    private enum State { NEW, STREAMING, ENDING, CLOSED }

    private final Vertx vertx;
    private final Context context;
    private final ServerWebSocket ws;
    private final GatewaySettings settings;
    private final EventBoundaries boundaries;
    private final FrameProducer producer;
    private final EventHub hub;
    private final ActiveStreams active;
    private final GatewayMetrics metrics;

    private State state = State.NEW;
    private String streamId;
    private String callId;
    private String role;
    private int sampleRate;
    private Encoding encoding;
    private int channels;
    private int bytesPerSampleFrame;
    private long nextSequence;
    /** This connection's first frame number: events of the stream id's earlier connections are below it. */
    private long sequenceBase;
    /** A frame Kafka did not take: no more audio goes out after it, only the end of the stream. */
    private boolean writeFailed;
    /** The processor ended the stream on its own (its idle timeout): the gateway must not end it again. */
    private boolean endedByProcessor;
    /** The socket is paused for back-pressure since this time (0: not paused). */
    private long pausedSinceNanos;
    /** Chunks received so far; the index of the next one. */
    private long chunks;
    /** Chunks gathered for the next frame (gateway.frame.ms), their sample frames and the first one's arrival. */
    private Buffer pending;
    private long pendingSampleFrames;
    private long pendingCaptureMs;
    private long frameTimer = -1;
    private long sampleFramesPerFrame;
    /** Sample frames received so far, and the audio position (ms) past which the next event is due. */
    private long receivedSampleFrames;
    private double nextEventDueMs;
    private double dueMarginMs;
    /** (frame sequence, index of its last chunk) of frames sent, oldest first, to tell clients which chunk an event heard. */
    private final java.util.ArrayDeque<long[]> frameChunks = new java.util.ArrayDeque<>();
    private int inflight;
    private boolean paused;
    private RateLimit rate;
    private long lastMessageNanos = System.nanoTime();
    private long idleTimer = -1;
    private long finalTimer = -1;
    private EventHub.Subscription subscription;
    /** Events handed to this connection's event loop and not yet written (the hub's thread adds). */
    private final java.util.concurrent.atomic.AtomicInteger queuedEvents = new java.util.concurrent.atomic.AtomicInteger();

    AudioConnection(Vertx vertx, ServerWebSocket ws, GatewaySettings settings, EventBoundaries boundaries,
                    FrameProducer producer, EventHub hub, ActiveStreams active, GatewayMetrics metrics) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.ws = ws;
        this.settings = settings;
        this.boundaries = boundaries;
        this.producer = producer;
        this.hub = hub;
        this.active = active;
        this.metrics = metrics;
    }

    void start() {
        metrics.audioConnections().incrementAndGet();
        ws.textMessageHandler(this::onText);
        ws.binaryMessageHandler(this::onBinary);
        ws.closeHandler(v -> onClosed());
        ws.exceptionHandler(this::onException);
        long check = Math.max(250, Math.min(1000, settings.idleTimeoutMs() / 4));
        idleTimer = vertx.setPeriodic(check, t -> {
            // ENDING has its own timer: the final event may take a moment after the last message.
            // A socket paused for Kafka's sake is not an idle client.
            boolean waitingForClient = (state == State.NEW || state == State.STREAMING) && !paused;
            if (waitingForClient && (System.nanoTime() - lastMessageNanos) / 1_000_000 >= settings.idleTimeoutMs()) {
                fail(IDLE_TIMEOUT, "idle_timeout", "no message for " + settings.idleTimeoutMs() + " ms");
            }
        });
    }

    private void onException(Throwable e) {
        // Vert.x reports here a message whose fragments add up to more than the transport's limit
        // (twice the configured one): it drops what it gathered and reads on, so the rest of the
        // fragments would arrive as a message of their own, a chunk cut out of the middle of the
        // client's. Refused as any message that is too big. Anything else is a reset connection:
        // the close handler follows and ends the stream.
        if (e instanceof IllegalStateException) {
            fail(TOO_BIG, "message_too_big", "a message (sent in fragments) is over the limit of "
                    + settings.maxMessageBytes() + " bytes: " + e.getMessage());
        }
    }

    private void onText(String text) {
        lastMessageNanos = System.nanoTime();
        JsonObject message;
        try {
            message = new JsonObject(text);
        } catch (DecodeException | ClassCastException e) {
            fail(BAD_MESSAGE, "bad_message", "a text message must be a JSON object: " + e.getMessage());
            return;
        }
        String type = message.getValue("type") instanceof String s ? s : null;
        if ("start".equals(type)) {
            onStart(message);
        } else if ("end".equals(type)) {
            onEnd();
        } else {
            fail(BAD_MESSAGE, "bad_message", "unknown message type " + (type == null ? "(none)" : "'" + type + "'")
                    + ": expected start or end");
        }
    }

    private void onStart(JsonObject m) {
        if (state != State.NEW) {
            fail(BAD_MESSAGE, "bad_message", "the stream has already started");
            return;
        }
        String problem = parseStart(m);
        if (problem != null) {
            fail(BAD_MESSAGE, "bad_message", problem);
            return;
        }
        switch (active.claim(streamId, this)) {
            case IN_USE -> {
                streamId = null; // not ours to release
                fail(STREAM_IN_USE, "stream_in_use", "stream id is already streaming through this gateway");
                return;
            }
            case FULL -> {
                streamId = null;
                fail(UNAVAILABLE, "too_many_streams", "this gateway streams " + settings.maxStreams() + " streams already; retry later");
                return;
            }
            case OK -> { }
        }
        // Before subscribing: the hub's thread filters out earlier connections' events by it.
        sequenceBase = sequenceBase();
        nextSequence = sequenceBase;
        // Subscribe before the first frame is sent, so no event of this stream can be missed.
        subscription = hub.subscribe(Set.of(streamId), Set.of(), this::deliverFromHub);
        rate = new RateLimit(settings.rateLimitFactor(), settings.rateBurstMs(), System.nanoTime());
        state = State.STREAMING;
        ws.writeTextMessage(new JsonObject().put("type", "started").put("stream_id", streamId).encode());
    }

    /**
     * The first frame number of a new connection: the wall clock in microseconds. A stream id used
     * again (a reconnect, a second take) must not reuse numbers: the processor refuses numbers at or
     * below the last one it saw for that id, and starts a new stream on a higher one. Any earlier
     * connection sent fewer than 1,000 frames per millisecond of its life, so its numbers stay below.
     */
    static long sequenceBase() {
        return System.currentTimeMillis() * 1000;
    }

    /** Reads the start message's fields; null when valid, else what is wrong. */
    private String parseStart(JsonObject m) {
        Object id = m.getValue("stream_id");
        if (!(id instanceof String s) || s.isEmpty() || s.length() > MAX_IDENTIFIER_LENGTH) {
            return "stream_id must be a string of 1-" + MAX_IDENTIFIER_LENGTH + " characters";
        }
        streamId = s;
        for (String field : new String[] {"call_id", "role"}) {
            Object v = m.getValue(field);
            if (v != null && (!(v instanceof String str) || str.length() > MAX_IDENTIFIER_LENGTH)) {
                return field + " must be a string of at most " + MAX_IDENTIFIER_LENGTH + " characters";
            }
        }
        callId = m.getString("call_id");
        role = m.getString("role");
        Object rateValue = m.getValue("sample_rate", 16000);
        if (!(rateValue instanceof Integer r) || !Resampler.isSupportedRate(r)) {
            return "sample_rate must be one of " + java.util.Arrays.stream(Resampler.supportedRates())
                    .mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(", ")) + ", got " + rateValue;
        }
        sampleRate = r;
        Object enc = m.getValue("encoding", "s16le");
        try {
            encoding = Encoding.parse(String.valueOf(enc));
        } catch (RuntimeException e) {
            return "encoding must be s16le, f32le, mulaw or alaw, got '" + enc + "'";
        }
        Object ch = m.getValue("channels", 1);
        if (!(ch instanceof Integer c) || c < 1 || c > settings.maxChannels()) {
            return "channels must be 1-" + settings.maxChannels() + ", got " + ch;
        }
        channels = c;
        bytesPerSampleFrame = encoding.bytesPerSample() * channels;
        sampleFramesPerFrame = sampleRate * settings.frameMs() / 1000;
        // Audio at another rate reaches the model through the resampler, whose filter looks a few ms ahead.
        dueMarginMs = sampleRate == 16_000 ? 0 : 10;
        nextEventDueMs = boundaries.next(0);
        return null;
    }

    private void onBinary(Buffer chunk) {
        lastMessageNanos = System.nanoTime();
        if (state != State.STREAMING) {
            fail(BAD_MESSAGE, "bad_message", state == State.NEW ? "audio before the start message" : "audio after the end message");
            return;
        }
        int n = chunk.length();
        if (n > settings.maxMessageBytes()) {
            fail(TOO_BIG, "message_too_big", "an audio chunk of " + n + " bytes is over the limit of " + settings.maxMessageBytes());
            return;
        }
        if (n == 0 || n % bytesPerSampleFrame != 0) {
            fail(BAD_MESSAGE, "bad_message", "an audio chunk of " + n + " bytes is not a whole number of " + bytesPerSampleFrame
                    + "-byte sample frames (" + encoding.name().toLowerCase(java.util.Locale.ROOT) + ", " + channels + " channel(s))");
            return;
        }
        double audioMs = (double) (n / bytesPerSampleFrame) * 1000.0 / sampleRate;
        if (!rate.tryTake(audioMs, System.nanoTime())) {
            fail(RATE_LIMITED, "rate_limited", "audio arrives faster than " + settings.rateLimitFactor()
                    + "x real time (after a " + settings.rateBurstMs() + " ms burst)");
            return;
        }
        metrics.frameIn(n);
        if (pending != null && pending.length() + n > settings.frameMaxBytes()) {
            flush(); // the processor sends a larger frame to its dead-letter topic (frame.max.bytes)
        }
        if (pending == null) {
            pending = Buffer.buffer(Math.max(n, (int) sampleFramesPerFrame * bytesPerSampleFrame));
            pendingCaptureMs = System.currentTimeMillis();
        }
        pending.appendBuffer(chunk);
        pendingSampleFrames += n / bytesPerSampleFrame;
        receivedSampleFrames += n / bytesPerSampleFrame;
        chunks++;
        double positionMs = receivedSampleFrames * 1000.0 / sampleRate;
        boolean eventDue = positionMs >= nextEventDueMs + dueMarginMs;
        if (eventDue) {
            nextEventDueMs = boundaries.next(positionMs - dueMarginMs);
        }
        if (eventDue || pendingSampleFrames >= sampleFramesPerFrame) {
            flush();
        } else if (frameTimer < 0) {
            // A client that pauses mid-frame must not hold its audio back: the frame goes out anyway.
            frameTimer = vertx.setTimer(settings.frameMs(), t -> {
                frameTimer = -1;
                if (state == State.STREAMING) {
                    flush();
                }
            });
        }
    }

    /** Writes the gathered chunks as one frame. */
    private void flush() {
        if (pending == null) {
            return;
        }
        if (frameTimer >= 0) {
            vertx.cancelTimer(frameTimer);
            frameTimer = -1;
        }
        byte[] payload = pending.getBytes();
        long captureMs = pendingCaptureMs;
        pending = null;
        pendingSampleFrames = 0;
        send(frame(payload, false, captureMs));
    }

    private void onEnd() {
        if (state != State.STREAMING) {
            fail(BAD_MESSAGE, "bad_message", state == State.NEW ? "end before the start message" : "a second end message");
            return;
        }
        flush();
        send(frame(new byte[0], true, System.currentTimeMillis()));
        state = State.ENDING;
        finalTimer = vertx.setTimer(settings.finalTimeoutMs(), t -> close((short) 1000,
                "stream ended; no final event within " + settings.finalTimeoutMs() + " ms"));
    }

    private AudioFrame frame(byte[] payload, boolean end, long captureMs) {
        long sequence = nextSequence++;
        frameChunks.addLast(new long[] {sequence, chunks - 1});
        if (frameChunks.size() > MAX_FRAME_MARKS) {
            frameChunks.pollFirst(); // events are far behind: forget the oldest
        }
        return AudioFrame.newBuilder()
                .setStreamId(streamId)
                .setCallId(callId)
                .setRole(role)
                .setSequence(sequence)
                .setCaptureTime(Instant.ofEpochMilli(captureMs))
                .setSampleRate(sampleRate)
                .setEncoding(encoding.name().toLowerCase(java.util.Locale.ROOT))
                .setChannels(channels)
                .setPayload(ByteBuffer.wrap(payload))
                .setEndOfStream(end)
                .build();
    }

    private void send(AudioFrame frame) {
        if (writeFailed) {
            return;
        }
        inflight++;
        if (inflight >= settings.maxInflightFrames() && !paused) {
            // Kafka is behind: stop reading this socket, so TCP pushes back on the client.
            ws.pause();
            paused = true;
            pausedSinceNanos = System.nanoTime();
        }
        long sequence = frame.getSequence();
        producer.send(streamId, Contracts.encode(frame), e -> context.runOnContext(v -> acknowledged(sequence, e)));
    }

    private void acknowledged(long sequence, Exception e) {
        inflight--;
        if (e != null) {
            if (!writeFailed) {
                writeFailed = true;
                LOG.log(System.Logger.Level.WARNING, "stream " + streamId + ": frame " + sequence + " was not written to Kafka: " + e);
                fail(INTERNAL_ERROR, "internal_error", "audio from chunk " + firstChunkOf(sequence)
                        + " on was not accepted (Kafka did not take it); the stream has ended");
            }
            return;
        }
        if (paused && inflight <= settings.maxInflightFrames() / 2) {
            paused = false;
            long pausedMs = (System.nanoTime() - pausedSinceNanos) / 1_000_000;
            // The client kept sending in real time while the socket was paused: its backlog arrives
            // now at network speed, which is neither idleness nor a client over its rate.
            rate.credit(pausedMs);
            lastMessageNanos = System.nanoTime();
            ws.resume();
        }
    }

    /** The first chunk of frame {@code sequence} (the chunk after the previous frame's last one). */
    private long firstChunkOf(long sequence) {
        long previousLast = -1;
        for (long[] mark : frameChunks) {
            if (mark[0] == sequence) {
                return previousLast + 1;
            }
            previousLast = mark[1];
        }
        return previousLast + 1;
    }

    private void deliverFromHub(EmotionEvent event, String json) {
        if (event.getLastSequence() < sequenceBase) {
            return; // an earlier connection's stream with this id (its final event, say)
        }
        if (queuedEvents.incrementAndGet() > Gateway.MAX_QUEUED_EVENTS && !event.getFinal$()) {
            queuedEvents.decrementAndGet();
            metrics.eventDropped(); // this connection's event loop is far behind
            return;
        }
        context.runOnContext(v -> {
            queuedEvents.decrementAndGet();
            if (state == State.CLOSED) {
                return;
            }
            if (!event.getFinal$() && ws.writeQueueFull()) {
                metrics.eventDropped(); // the client does not read; the next event supersedes this one
                return;
            }
            ws.writeTextMessage(withLastChunk(event, json));
            metrics.eventDelivered();
            if (event.getFinal$()) {
                if (state == State.ENDING) {
                    close((short) 1000, "stream ended");
                } else {
                    // The processor ended the stream on its own (its idle timeout). Ending it again
                    // would start a new stream of that id there, with a final event of no audio
                    // replacing this one; audio gathered since would go the same way.
                    endedByProcessor = true;
                    long heard = lastChunkOf(event);
                    fail(IDLE_TIMEOUT, "idle_timeout", "the stream processor ended this stream (" + event.getFinalReason() + ")"
                            + (heard >= 0 ? "; audio after chunk " + heard + " was not processed" : ""));
                }
            }
        });
    }

    /**
     * The event's JSON with {@code last_chunk}: the index of the newest chunk of this connection the
     * event has heard (frames gather several chunks, so the frame sequence alone does not say).
     */
    private String withLastChunk(EmotionEvent event, String json) {
        long lastChunk = lastChunkOf(event);
        if (lastChunk < 0 || !json.endsWith("}")) {
            return json;
        }
        return json.substring(0, json.length() - 1) + ",\"last_chunk\":" + lastChunk + "}";
    }

    /** The newest chunk of this connection that {@code event} has heard; -1 if not known (any more). */
    private long lastChunkOf(EmotionEvent event) {
        long sequence = event.getLastSequence();
        while (frameChunks.size() > 1 && frameChunks.peekFirst()[0] < sequence) {
            frameChunks.pollFirst();
        }
        long[] mark = frameChunks.peekFirst();
        return mark == null || mark[0] != sequence ? -1 : mark[1];
    }

    private void fail(short code, String reason, String message) {
        if (state == State.CLOSED) {
            return;
        }
        metrics.refusal(reason);
        ws.writeTextMessage(new JsonObject().put("type", "error").put("code", reason).put("message", message).encode());
        close(code, message);
    }

    private void close(short code, String reason) {
        if (state == State.CLOSED) {
            return;
        }
        ws.close(code, truncateUtf8(reason, 123)); // the close frame's reason is limited to 123 bytes
        onClosed();
    }

    /** Runs once, however the connection ends: releases the stream, and ends it if the client did not. */
    private void onClosed() {
        if (state == State.CLOSED) {
            return;
        }
        State was = state;
        state = State.CLOSED;
        metrics.audioConnections().decrementAndGet();
        vertx.cancelTimer(idleTimer);
        vertx.cancelTimer(finalTimer);
        if (frameTimer >= 0) {
            vertx.cancelTimer(frameTimer);
        }
        if (subscription != null) {
            subscription.close();
        }
        if (was == State.STREAMING && !endedByProcessor) {
            // The client went away without an end message: end the stream now, so its final event
            // comes at once rather than after the processor's idle timeout.
            if (pending != null && !writeFailed) {
                // Audio the client sent before it went away is not dropped.
                byte[] payload = pending.getBytes();
                pending = null;
                producer.send(streamId, Contracts.encode(frame(payload, false, pendingCaptureMs)), e -> { });
            }
            producer.send(streamId, Contracts.encode(frame(new byte[0], true, System.currentTimeMillis())), e -> {
                if (e != null) {
                    LOG.log(System.Logger.Level.WARNING, "stream " + streamId + ": its end could not be written to Kafka ("
                            + e + "); the processor ends it after its idle timeout");
                }
            });
        }
        if (streamId != null && was != State.NEW) {
            active.release(streamId, this);
        }
    }

    static String truncateUtf8(String s, int maxBytes) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= maxBytes) {
            return s;
        }
        int end = maxBytes;
        while (end > 0 && (b[end] & 0xC0) == 0x80) {
            end--; // do not cut a character in half
        }
        return new String(b, 0, end, StandardCharsets.UTF_8);
    }
}
