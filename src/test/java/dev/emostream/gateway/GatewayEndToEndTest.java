package dev.emostream.gateway;

import static dev.emostream.testing.EmotionEvents.assertSameEvents;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.audio.DemoSignal;
import dev.emostream.audio.Encoding;
import dev.emostream.audio.SampleEncoder;
import dev.emostream.contract.AudioFrame;
import dev.emostream.contract.Contracts;
import dev.emostream.contract.EmotionEvent;
import dev.emostream.model.EmotionModel;
import dev.emostream.model.ExecutionProvider;
import dev.emostream.service.Application;
import dev.emostream.service.EmotionService;
import dev.emostream.service.ServiceConfig;
import dev.emostream.stream.EmotionTopology;
import dev.emostream.stream.StreamCounters;
import dev.emostream.stream.TopologySettings;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole process (embedded broker, stream service, gateway) driven the way voice apps and
 * dashboards use it: WebSocket audio in, events back on the socket and over SSE, the latest event
 * by REST, and every refusal the gateway promises.
 */
class GatewayEndToEndTest {
    static final String TOKEN = "test-token-1";
    static final int RATE = 16_000;
    static final int CHUNK = 320; // 20 ms

    static Application app;
    static Vertx vertx;
    static int port;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        Path state = Files.createTempDirectory("emostream-gateway-test-");
        Map<String, String> s = new LinkedHashMap<>();
        s.put("embedded.port", "0");
        s.put("gateway.port", "0");
        s.put("gateway.auth", "required");
        s.put("gateway.auth.tokens", TOKEN + ",another-token");
        s.put("gateway.idle.timeout.ms", "2000");
        s.put("gateway.max.streams", "4");
        s.put("gateway.rate.limit.factor", "20");
        s.put("gateway.max.message.bytes", "8192");
        s.put("frame.max.bytes", "8192"); // the processor's limit: frames the gateway gathers must stay within it
        s.put("topic.partitions", "2");
        s.put("num.stream.threads", "1");
        s.put("state.dir", state.toString());
        s.put("model.provider", "cpu");
        // Compared event for event with the topology without VAD on a synthetic signal.
        s.put("vad.enabled", "false");
        app = Application.start(ServiceConfig.resolve(Map.of(), Map.of(), s), Duration.ofSeconds(120));
        port = app.gateway().port();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        if (vertx != null) {
            vertx.close();
        }
        if (app != null) {
            app.close();
        }
    }

    static byte[] s16(float[] samples, int off, int count) {
        byte[] b = new byte[count * 2];
        SampleEncoder.encode(Encoding.S16LE, samples, off, count, b, 0);
        return b;
    }

    static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The stream's latest event once {@code until} holds, polling GET /v1/latest. */
    static JsonObject latestWhen(String streamId, java.util.function.Predicate<JsonObject> until) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        JsonObject last = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get("/v1/latest?stream_id=" + URLEncoder.encode(streamId, StandardCharsets.UTF_8), TOKEN);
            if (r.statusCode() == 200) {
                last = new JsonObject(r.body());
                if (until.test(last)) {
                    return last;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("latest event of " + streamId + " never matched; last: " + last);
    }

    /** A dashboard's SSE subscription: the JSON of each event. */
    static BlockingQueue<JsonObject> subscribe(String query) throws Exception {
        BlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
        CompletableFuture<Void> connected = new CompletableFuture<>();
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events?" + query + "&access_token=" + TOKEN))
                .build();
        // The endless body is read on a thread of its own: thenAccept would run the reader on this
        // thread should the response already be there, and never return.
        java.util.concurrent.Executor readerThread = task -> {
            Thread t = new Thread(task, "sse-reader-" + query);
            t.setDaemon(true);
            t.start();
        };
        http.sendAsync(r, HttpResponse.BodyHandlers.ofLines()).thenAcceptAsync(resp -> {
            assertEquals(200, resp.statusCode());
            resp.body().forEach(line -> {
                if (line.startsWith(": connected")) {
                    connected.complete(null);
                } else if (line.startsWith("data: ")) {
                    events.add(new JsonObject(line.substring(6)));
                }
            });
        }, readerThread);
        connected.get(10, TimeUnit.SECONDS);
        return events;
    }

    @Test
    void voiceAppGetsItsEventsOnItsSocketAndTheDashboardTheSameOnesEqualToTheTopologyOffline() throws Exception {
        String streamId = "call-7/customer";
        BlockingQueue<JsonObject> dashboard = subscribe("call_id=call-7");
        float[] voice = DemoSignal.generate(RATE, 3.0, 11);
        List<byte[]> chunks = new ArrayList<>();
        for (int off = 0; off + CHUNK <= voice.length; off += CHUNK) {
            chunks.add(s16(voice, off, CHUNK));
        }
        List<JsonObject> messages;
        try (WsClient client = WsClient.connect(vertx, port, TOKEN)) {
            client.start(streamId, "call-7", RATE, "s16le");
            for (byte[] c : chunks) {
                client.send(c);
                Thread.sleep(2); // 10x real time: under the test's 20x rate limit
            }
            client.end();
            messages = client.untilClosed(60);
            assertEquals(1000, client.closeStatus(1).code(), "closed normally after the final event");
        }
        List<EmotionEvent> received = messages.stream().map(GatewayEndToEndTest::event).toList();
        assertTrue(received.size() >= 5, "an event every 0.5 s of 3 s of audio, and a final one: " + received.size());
        assertTrue(received.get(received.size() - 1).getFinal$(), "the last message is the final event");
        assertEquals(chunks.size() - 1, messages.get(messages.size() - 1).getLong("last_chunk"),
                "the final event has heard every chunk");
        assertEquals(3000, received.get(received.size() - 1).getAudioEndMs(), "and all 3 s of audio");
        // The first event is due when the audio reaches 535 ms (the first model step ending past 500 ms):
        // the gateway writes its frame at that chunk (27 chunks = 540 ms), not at the next 100 ms.
        assertEquals(535, messages.get(0).getLong("audio_end_ms"));
        for (JsonObject m : messages.subList(0, messages.size() - 1)) {
            long needed = (m.getLong("audio_end_ms") + 19) / 20 - 1; // the chunk whose audio completes the event
            assertEquals(needed, m.getLong("last_chunk"), "event at " + m.getLong("audio_end_ms") + " ms: " + messages);
        }
        for (int i = 1; i < messages.size(); i++) {
            assertTrue(messages.get(i).getLong("last_chunk") >= messages.get(i - 1).getLong("last_chunk"));
        }

        // The gateway gathers 20 ms chunks into 100 ms frames (gateway.frame.ms); each chunk as its own
        // frame through the topology offline (TopologyTestDriver) gives the same events: hops,
        // labels and probabilities do not depend on how the audio was cut (frame numbers do).
        assertSameEvents("gateway vs offline topology", withoutSequences(offline(streamId, "call-7", chunks)),
                withoutSequences(received));

        // The dashboard, subscribed by call id, got the same events.
        List<EmotionEvent> seen = new ArrayList<>();
        while (seen.size() < received.size()) {
            JsonObject e = dashboard.poll(10, TimeUnit.SECONDS);
            assertNotNull(e, "dashboard got " + seen.size() + " of " + received.size() + " events");
            seen.add(event(e));
        }
        assertSameEvents("dashboard vs voice app", received, seen);

        // REST: the latest event is the final one.
        JsonObject latest = latestWhen(streamId, j -> j.getBoolean("final"));
        JsonObject finalOnSocket = messages.get(messages.size() - 1).copy();
        finalOnSocket.remove("last_chunk"); // only the socket knows its chunks
        assertEquals(finalOnSocket, latest);

        // Nothing lost and nothing refused on the way.
        assertEquals(0, app.service().counters().deadLettersTotal(), "dead letters");
        String metrics = get("/metrics", null).body();
        for (String m : List.of("emostream_gateway_frames_in_total", "emostream_frames_in_total",
                "emostream_frame_to_event_seconds_bucket", "emostream_inference_seconds_bucket",
                "emostream_inference_batch_size_bucket", "emostream_gateway_events_delivered_total",
                "emostream_dead_letters_total{reason=\"sequence_gap\"}", "emostream_events_by_label_total{label=\"angry\"}",
                "jvm_memory_used_bytes", "emostream_vad_windows_total", "emostream_vad_quiet_windows_total",
                "kafka_stream_thread_process_total")) {
            assertTrue(metrics.contains(m), "/metrics has " + m);
        }
        assertTrue(metricValue(metrics, "emostream_gateway_frames_in_total") >= chunks.size());
        // Every frame wrote its stream's state: puts at least as many as frames, bytes at least 1.5 KB each (h, c).
        assertTrue(metricValue(metrics, "emostream_state_puts_total") >= metricValue(metrics, "emostream_frames_in_total"));
        assertTrue(metricValue(metrics, "emostream_state_bytes_total") > 1536 * metricValue(metrics, "emostream_state_puts_total"));
        assertEquals(200, get("/health/ready", null).statusCode());
    }

    static List<EmotionEvent> withoutSequences(List<EmotionEvent> events) {
        return events.stream().map(e -> EmotionEvent.newBuilder(e).setLastSequence(0).build()).toList();
    }

    static double metricValue(String exposition, String name) {
        return exposition.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.split(" ")[1]))
                .findFirst().orElseThrow(() -> new AssertionError("no metric " + name));
    }

    static EmotionEvent event(JsonObject j) {
        assertEquals("event", j.getString("type"), "message " + j);
        List<Float> p = new ArrayList<>();
        j.getJsonArray("probabilities").forEach(x -> p.add(((Number) x).floatValue()));
        List<String> labels = new ArrayList<>();
        j.getJsonArray("labels").forEach(x -> labels.add((String) x));
        return EmotionEvent.newBuilder()
                .setStreamId(j.getString("stream_id")).setCallId(j.getString("call_id")).setRole(j.getString("role"))
                .setAudioStartMs(j.getLong("audio_start_ms")).setAudioEndMs(j.getLong("audio_end_ms"))
                .setLabel(j.getString("label")).setConfidence(j.getFloat("confidence"))
                .setLabels(labels).setProbabilities(p).setModelVersion(j.getString("model_version"))
                .setLastSequence(j.getLong("last_sequence")).setFrameTime(Instant.ofEpochMilli(j.getLong("frame_time")))
                .setEmitTime(Instant.ofEpochMilli(j.getLong("emit_time"))).setProcessingLatencyMs(j.getLong("processing_latency_ms"))
                .setFinal$(j.getBoolean("final")).setFinalReason(j.getString("final_reason")).build();
    }

    /** The events the topology computes for the frames the gateway makes of these chunks. */
    static List<EmotionEvent> offline(String streamId, String callId, List<byte[]> chunks) throws Exception {
        TopologySettings settings = EmotionService.topologySettings(app.config());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "offline");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        Instant clock = Instant.parse("2026-01-01T00:00:00Z");
        try (EmotionModel model = EmotionModel.loadBundled(ExecutionProvider.CPU, 1);
             TopologyTestDriver driver = new TopologyTestDriver(EmotionTopology.build(settings, model, new StreamCounters()), props, clock)) {
            TestInputTopic<String, byte[]> in = driver.createInputTopic(settings.audioTopic(), new StringSerializer(), new ByteArraySerializer());
            for (int i = 0; i <= chunks.size(); i++) {
                boolean end = i == chunks.size();
                AudioFrame f = AudioFrame.newBuilder().setStreamId(streamId).setCallId(callId).setRole("customer").setSequence(i)
                        .setCaptureTime(clock).setSampleRate(RATE).setEncoding("s16le").setChannels(1)
                        .setPayload(ByteBuffer.wrap(end ? new byte[0] : chunks.get(i))).setEndOfStream(end).build();
                in.pipeInput(streamId, Contracts.encode(f), clock);
                clock = clock.plusMillis(20);
                driver.advanceWallClockTime(Duration.ofMillis(20));
            }
            driver.advanceWallClockTime(Duration.ofMillis(100));
            List<EmotionEvent> events = new ArrayList<>();
            for (var r : driver.createOutputTopic(settings.emotionsTopic(), new StringDeserializer(), new ByteArrayDeserializer())
                    .readRecordsToList()) {
                events.add(Contracts.decodeEvent(r.value()));
            }
            return events;
        }
    }

    @Test
    void requestsWithoutAValidTokenAreRefused() throws Exception {
        assertEquals(401, get("/v1/latest?stream_id=x", null).statusCode());
        assertEquals(401, get("/v1/latest?stream_id=x", "wrong").statusCode());
        assertEquals(404, get("/v1/latest?stream_id=x", "another-token").statusCode(), "either configured token passes");
        assertEquals(404, get("/v1/latest?stream_id=x&access_token=" + TOKEN, null).statusCode(), "token as a query parameter");
        assertEquals(401, get("/v1/events", null).statusCode());
        HttpResponse<String> info = get("/v1/info", null);
        assertEquals(200, info.statusCode(), "info needs no token");
        assertTrue(new JsonObject(info.body()).getBoolean("auth_required"));
        Exception e = assertThrows(Exception.class, () -> WsClient.connect(vertx, port, "wrong"));
        Throwable cause = e;
        while (cause != null && !(cause instanceof UpgradeRejectedException)) {
            cause = cause.getCause();
        }
        assertNotNull(cause, "the upgrade is rejected: " + e);
        assertEquals(401, ((UpgradeRejectedException) cause).getStatus());
    }

    /** Sends {@code actions} on a fresh connection and returns the error message and close status. */
    static JsonObject refused(WsClient.Closed[] status, ThrowingConsumer<WsClient> actions) throws Exception {
        try (WsClient client = WsClient.connect(vertx, port, TOKEN)) {
            actions.accept(client);
            List<JsonObject> messages = client.untilClosed(20);
            status[0] = client.closeStatus(1);
            JsonObject error = messages.stream().filter(m -> "error".equals(m.getString("type"))).findFirst()
                    .orElseThrow(() -> new AssertionError("no error message: " + messages));
            return error;
        }
    }

    interface ThrowingConsumer<T> {
        void accept(T t) throws Exception;
    }

    @Test
    void badMessagesGetAnErrorMessageAndCloseCode4400() throws Exception {
        WsClient.Closed[] status = new WsClient.Closed[1];
        JsonObject e = refused(status, c -> c.send(new byte[640]));
        assertEquals("bad_message", e.getString("code"));
        assertTrue(e.getString("message").contains("before the start"), e.encode());
        assertEquals(4400, status[0].code());

        e = refused(status, c -> c.text("{\"type\":\"start\",\"stream_id\":\"x1\",\"sample_rate\":12345}"));
        assertTrue(e.getString("message").contains("sample_rate"), e.encode());
        assertEquals(4400, status[0].code());

        e = refused(status, c -> c.text("not json"));
        assertTrue(e.getString("message").contains("JSON"), e.encode());

        e = refused(status, c -> {
            c.start("odd-bytes", null, RATE, "s16le");
            c.send(new byte[641]);
        });
        assertTrue(e.getString("message").contains("641 bytes"), e.encode());
        assertEquals(4400, status[0].code());
    }

    @Test
    void oneConnectionPerStreamAndAtMostMaxStreams() throws Exception {
        try (WsClient first = WsClient.connect(vertx, port, TOKEN)) {
            first.start("busy", null, RATE, "s16le");
            WsClient.Closed[] status = new WsClient.Closed[1];
            JsonObject e = refused(status, c -> c.text(new JsonObject().put("type", "start").put("stream_id", "busy").encode()));
            assertEquals("stream_in_use", e.getString("code"));
            assertEquals(4409, status[0].code());

            List<WsClient> more = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) { // max.streams is 4
                    WsClient c = WsClient.connect(vertx, port, TOKEN);
                    more.add(c);
                    c.start("more-" + i, null, RATE, "s16le");
                }
                e = refused(status, c -> c.text(new JsonObject().put("type", "start").put("stream_id", "one-too-many").encode()));
                assertEquals("too_many_streams", e.getString("code"));
                assertEquals(4503, status[0].code());
            } finally {
                more.forEach(WsClient::close);
            }
        }
    }

    @Test
    void audioFasterThanTheRateLimitIsRefused() throws Exception {
        float[] voice = DemoSignal.generate(RATE, 1.0, 3);
        byte[] chunk = s16(voice, 0, 3200); // 200 ms
        WsClient.Closed[] status = new WsClient.Closed[1];
        JsonObject e = refused(status, c -> {
            c.start("too-fast", null, RATE, "s16le");
            // 20x real time with a 2 s burst: 30 s of audio at once is far over it.
            for (int i = 0; i < 150 && !c.ws.isClosed(); i++) {
                c.send(chunk);
            }
        });
        assertEquals("rate_limited", e.getString("code"));
        assertEquals(4429, status[0].code());
    }

    @Test
    void aMessageOverTheSizeLimitClosesWith1009() throws Exception {
        try (WsClient c = WsClient.connect(vertx, port, TOKEN)) {
            c.start("big", null, RATE, "s16le");
            c.send(new byte[8194]);
            assertEquals(1009, c.closeStatus(20).code());
            JsonObject error = c.next(1);
            assertEquals("message_too_big", error.getString("code"));
            assertTrue(error.getString("message").contains("8194 bytes"), error.encode());
        }
    }

    @Test
    void aMessageOverTheLimitInFragmentsClosesWith1009AndNoPartOfItIsTaken() throws Exception {
        // Over twice the limit, Vert.x drops the fragments gathered so far and would hand the rest
        // on as a message of its own: the connection must be refused instead.
        try (WsClient c = WsClient.connect(vertx, port, TOKEN)) {
            c.start("fragments", null, RATE, "s16le");
            c.ws.writeFrame(io.vertx.core.http.WebSocketFrame.binaryFrame(Buffer.buffer(new byte[6000]), false));
            for (int i = 0; i < 3; i++) {
                c.ws.writeFrame(io.vertx.core.http.WebSocketFrame.continuationFrame(Buffer.buffer(new byte[6000]), false));
            }
            c.ws.writeFrame(io.vertx.core.http.WebSocketFrame.continuationFrame(Buffer.buffer(new byte[2000]), true));
            assertEquals(1009, c.closeStatus(20).code());
            JsonObject error = c.next(1);
            assertEquals("message_too_big", error.getString("code"));
            assertTrue(error.getString("message").contains("fragments"), error.encode());
        }
        JsonObject last = latestWhen("fragments", j -> j.getBoolean("final"));
        assertEquals(0, last.getLong("audio_end_ms"), "no audio taken: " + last.encode());
    }

    @Test
    void framesGatheredFromLargeChunksStayWithinTheProcessorsFrameLimit() throws Exception {
        // 48 kHz float stereo: 100 ms (the gateway's frame) is 38,400 bytes, over frame.max.bytes
        // (8,192 here); each chunk of 8,192 bytes must go out as a frame of its own.
        int rate = 48_000;
        float[] voice = DemoSignal.generate(rate, 1.0, 21);
        long lettersBefore = app.service().counters().deadLettersTotal();
        try (WsClient c = WsClient.connect(vertx, port, TOKEN)) {
            JsonObject start = new JsonObject().put("type", "start").put("stream_id", "wide").put("sample_rate", rate)
                    .put("encoding", "f32le").put("channels", 2);
            c.text(start.encode());
            assertEquals("started", c.next(10).getString("type"));
            int perChunk = 8192 / 8; // sample frames of 2 x 4 bytes
            for (int off = 0; off < voice.length; off += perChunk) {
                int n = Math.min(perChunk, voice.length - off);
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(n * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n; i++) {
                    b.putFloat(voice[off + i]).putFloat(voice[off + i]);
                }
                c.send(b.array());
            }
            c.end();
            c.untilClosed(30);
        }
        JsonObject last = latestWhen("wide", j -> j.getBoolean("final"));
        assertEquals(1000, last.getLong("audio_end_ms"), "every chunk reached the model: " + last.encode());
        assertEquals(lettersBefore, app.service().counters().deadLettersTotal(), "no frame was dead-lettered");
    }

    @Test
    void anIdleConnectionIsClosedAndItsStreamEnded() throws Exception {
        float[] voice = DemoSignal.generate(RATE, 1.0, 5);
        try (WsClient c = WsClient.connect(vertx, port, TOKEN)) {
            c.start("idle-one", null, RATE, "s16le");
            for (int off = 0; off + CHUNK <= voice.length; off += CHUNK) {
                c.send(s16(voice, off, CHUNK));
            }
            WsClient.Closed status = c.closeStatus(20); // idle timeout 2 s
            assertEquals(4408, status.code());
        }
        JsonObject last = latestWhen("idle-one", j -> j.getBoolean("final"));
        assertEquals("end_of_stream", last.getString("final_reason"), "the gateway ended the stream for the client");
        assertEquals(1000, last.getLong("audio_end_ms"), "every chunk was written before the end frame");
    }

    @Test
    void aClientThatDisappearsGetsItsStreamEnded() throws Exception {
        float[] voice = DemoSignal.generate(RATE, 1.0, 6);
        WsClient c = WsClient.connect(vertx, port, TOKEN);
        c.start("gone", null, RATE, "s16le");
        for (int off = 0; off + CHUNK <= voice.length; off += CHUNK) {
            c.send(s16(voice, off, CHUNK));
        }
        c.ws.close().await(5, TimeUnit.SECONDS);
        JsonObject last = latestWhen("gone", j -> j.getBoolean("final"));
        assertEquals(1000, last.getLong("audio_end_ms"), "the audio gathered for the next frame was written too");
        assertFalse(last.getJsonArray("probabilities", new JsonArray()).isEmpty(), "1 s of audio gives the model steps");
    }

    @Test
    void theSendCommandStreamsAMuLawFileAndPrintsItsEventsAndRefusesABadToken() throws Exception {
        Path wav = Files.createTempFile("emostream-send-", ".wav");
        dev.emostream.audio.WavWriter.write(wav, DemoSignal.generate(8_000, 2.0, 9), 1, 8_000, Encoding.MULAW);
        String url = "ws://127.0.0.1:" + port + "/v1/audio";
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cli = dev.emostream.cli.Main.commandLine();
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        int code = cli.execute("send", wav.toString(), "--url", url, "--token", TOKEN, "--stream-id", "cli-send", "--speed", "10");
        assertEquals(0, code, err.toString());
        List<String> lines = out.toString().lines().toList();
        assertTrue(lines.size() >= 4, "an event every 0.5 s of 2 s and the final one: " + out);
        assertTrue(lines.get(lines.size() - 1).contains("FINAL (end_of_stream)"), out.toString());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("cli-send ")), out.toString());

        cli = dev.emostream.cli.Main.commandLine();
        err = new java.io.StringWriter();
        cli.setErr(new java.io.PrintWriter(err, true));
        assertEquals(1, cli.execute("send", wav.toString(), "--url", url, "--token", "wrong"));
        assertTrue(err.toString().contains("HTTP 401"), err.toString());
    }

    /** Streams 1 s as {@code streamId} and ends it; the messages until the socket closes. */
    static List<JsonObject> streamOneSecond(String streamId, long seed) throws Exception {
        float[] voice = DemoSignal.generate(RATE, 1.0, seed);
        try (WsClient c = WsClient.connect(vertx, port, TOKEN)) {
            c.start(streamId, null, RATE, "s16le");
            for (int off = 0; off + CHUNK <= voice.length; off += CHUNK) {
                c.send(s16(voice, off, CHUNK));
            }
            c.end();
            List<JsonObject> messages = c.untilClosed(30);
            assertEquals(1000, c.closeStatus(1).code(), "messages: " + messages);
            return messages;
        }
    }

    @Test
    void aStreamIdUsedAgainRightAfterItEndedIsANewStreamWithAllItsAudio() throws Exception {
        // A second take, a reconnect: the processor refuses frame numbers it has seen for the id,
        // so each connection numbers its frames above every earlier one's.
        for (int take = 1; take <= 2; take++) {
            List<JsonObject> messages = streamOneSecond("take-again", take);
            JsonObject last = messages.get(messages.size() - 1);
            assertTrue(last.getBoolean("final"), "take " + take + ": " + messages);
            assertEquals(1000, last.getLong("audio_end_ms"), "take " + take + " heard all its audio");
            assertTrue(messages.stream().allMatch(m -> "event".equals(m.getString("type"))), "take " + take + ": " + messages);
        }
        assertEquals(0, app.service().counters().deadLettersTotal(), "no frame of the second take was refused");
    }
}
