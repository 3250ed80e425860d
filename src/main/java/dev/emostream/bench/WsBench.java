package dev.emostream.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * N voice apps through the whole path: each opens a WebSocket to the gateway, sends a 20 ms 16 kHz
 * s16le chunk every 20 ms of its audio (streams staggered over the 20 ms), then an end message, and
 * reads its own events from the socket. Latency is from the send of the chunk an event last heard
 * (its last_chunk) to the event's arrival on the socket. Nothing is lost when every stream's final
 * event has heard all its audio (audio_end_ms = chunks x 20 ms).
 */
public final class WsBench {
    /** What a run measured. */
    public record Result(int clients, double seconds, long chunksSent, long chunksProcessed, long eventsReceived,
                         long finalEvents, Map<String, Integer> abnormalCloses, long p50Ms, long p99Ms, long maxMs,
                         long maxSendLagMs, long latencySamples, long p50DriftMs) {

        /** Every chunk processed, every stream ended normally, no late sending, p99 under the limit. */
        public boolean keptUp(long p99LimitMs) {
            return chunksProcessed == chunksSent && finalEvents == clients && abnormalCloses.isEmpty()
                    && maxSendLagMs <= StreamBench.MAX_SEND_LAG_MS && p99Ms >= 0 && p99Ms <= p99LimitMs;
        }

        public String summary() {
            return String.format(Locale.ROOT, "ws_clients=%d seconds=%.1f chunks_sent=%d chunks_processed=%d events=%d "
                    + "finals=%d/%d abnormal_closes=%s latency_ms p50=%d p99=%d max=%d (n=%d) max_send_lag_ms=%d "
                    + "p50_drift_ms=%+d", clients, seconds, chunksSent, chunksProcessed, eventsReceived, finalEvents, clients,
                    abnormalCloses, p50Ms, p99Ms, maxMs, latencySamples, maxSendLagMs, p50DriftMs);
        }
    }

    private static final int FRAME_MS = StreamBench.FRAME_MS;
    private static final int RATE = 16_000;
    private static final int CHUNK_BYTES = RATE * FRAME_MS / 1000 * 2;

    private final String host;
    private final int port;
    private final String token;
    private final byte[][] voices;

    /** @param voices 16 kHz s16le audio the clients take their chunks from (each at its own offset) */
    public WsBench(String host, int port, String token, byte[][] voices) {
        this.host = host;
        this.port = port;
        this.token = token;
        this.voices = voices;
    }

    /** One client's socket and what came back on it. */
    private static final class Client {
        final int index;
        final String streamId;
        final long[] sendTimes;
        volatile WebSocket ws;
        volatile long processed = -1;
        volatile boolean ended;

        Client(int index, String streamId, int chunks) {
            this.index = index;
            this.streamId = streamId;
            this.sendTimes = new long[chunks];
        }
    }

    public Result run(int clients, double seconds, double warmupSeconds, double drainSeconds) throws Exception {
        int chunks = (int) Math.round(seconds * 1000 / FRAME_MS);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(1, Runtime.getRuntime().availableProcessors())));
        String runId = Long.toString(System.currentTimeMillis(), 36);
        List<Client> all = new ArrayList<>();
        AtomicLong events = new AtomicLong();
        AtomicLong finals = new AtomicLong();
        Map<String, Integer> abnormal = new ConcurrentHashMap<>();
        List<Long> latencies = new ArrayList<>();
        long[] countFrom = {Long.MAX_VALUE};
        WebSocketClient wsClient = null;
        try {
            wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(clients + 10));
            // Connect in groups, so a thousand handshakes do not all land in one instant.
            for (int from = 0; from < clients; from += 100) {
                List<Future<WebSocket>> pending = new ArrayList<>();
                for (int i = from; i < Math.min(clients, from + 100); i++) {
                    Client c = new Client(i, "ws-bench-" + runId + "-" + i, chunks);
                    all.add(c);
                    pending.add(connect(wsClient, c, events, finals, abnormal, latencies, countFrom));
                }
                Future.all(pending).await(60, TimeUnit.SECONDS);
            }
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            countFrom[0] = start + (long) (warmupSeconds * 1e9);
            long maxLag = 0;
            long sent = 0;
            long total = (long) clients * chunks;
            long k = 0;
            while (k < total) {
                long now = System.nanoTime();
                while (k < total) {
                    int ci = (int) (k % clients);
                    int seq = (int) (k / clients);
                    long due = start + TimeUnit.MILLISECONDS.toNanos((long) seq * FRAME_MS)
                            + TimeUnit.MICROSECONDS.toNanos((long) ci * FRAME_MS * 1000 / clients);
                    if (due > now) {
                        break;
                    }
                    if (due >= countFrom[0]) {
                        maxLag = Math.max(maxLag, TimeUnit.NANOSECONDS.toMillis(now - due));
                    }
                    Client c = all.get(ci);
                    c.sendTimes[seq] = System.nanoTime();
                    if (!c.ws.isClosed()) {
                        c.ws.writeBinaryMessage(chunk(ci, seq));
                        sent++;
                        if (seq == chunks - 1) {
                            c.ws.writeTextMessage("{\"type\":\"end\"}");
                        }
                    }
                    k++;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            long deadline = System.nanoTime() + (long) (drainSeconds * 1e9);
            while (System.nanoTime() < deadline && all.stream().anyMatch(c -> !c.ended)) {
                Thread.sleep(50);
            }
            long processed = all.stream().mapToLong(c -> Math.max(0, c.processed)).sum();
            long[] sorted;
            synchronized (latencies) {
                sorted = latencies.stream().mapToLong(Long::longValue).toArray();
            }
            long drift = StreamBench.p50Drift(sorted);
            Arrays.sort(sorted);
            return new Result(clients, seconds, sent, processed, events.get(), finals.get(), new TreeMap<>(abnormal),
                    StreamBench.percentile(sorted, 0.50), StreamBench.percentile(sorted, 0.99),
                    sorted.length == 0 ? -1 : sorted[sorted.length - 1], maxLag, sorted.length, drift);
        } finally {
            if (wsClient != null) {
                wsClient.close(); // held to here: Vert.x closes a client's sockets when the client is garbage collected
            }
            vertx.close().await(30, TimeUnit.SECONDS);
        }
    }

    private Future<WebSocket> connect(WebSocketClient wsClient, Client c, AtomicLong events, AtomicLong finals,
                                      Map<String, Integer> abnormal, List<Long> latencies, long[] countFrom) {
        WebSocketConnectOptions o = new WebSocketConnectOptions().setHost(host).setPort(port).setURI("/v1/audio");
        if (token != null) {
            o.addHeader("Authorization", "Bearer " + token);
        }
        return wsClient.connect(o).compose(ws -> {
            c.ws = ws;
            io.vertx.core.Promise<WebSocket> started = io.vertx.core.Promise.promise();
            ws.textMessageHandler(text -> {
                long arrived = System.nanoTime();
                JsonObject m = new JsonObject(text);
                switch (m.getString("type", "")) {
                    case "started" -> started.tryComplete(ws);
                    case "event" -> {
                        events.incrementAndGet();
                        // The chunk the event last heard (the gateway gathers chunks into frames).
                        long seq = m.getLong("last_chunk", m.getLong("last_sequence"));
                        if (m.getBoolean("final")) {
                            finals.incrementAndGet();
                            // The final event's audio_end_ms is all the audio the processor took for the stream.
                            c.processed = m.getLong("audio_end_ms") / FRAME_MS;
                        } else if (seq < c.sendTimes.length && c.sendTimes[(int) seq] >= countFrom[0]) {
                            long lat = TimeUnit.NANOSECONDS.toMillis(arrived - c.sendTimes[(int) seq]);
                            synchronized (latencies) {
                                latencies.add(lat);
                            }
                        }
                    }
                    case "error" -> abnormal.merge(m.getString("code", "error"), 1, Integer::sum);
                    default -> { }
                }
            });
            ws.closeHandler(v -> {
                Short code = ws.closeStatusCode();
                if (code == null || code != 1000 || c.processed < 0) {
                    // Any close before the final event is abnormal, even a normal-looking one.
                    abnormal.merge("close_" + code + (c.processed < 0 ? "_before_final" : "") + (ws.closeReason() == null ? ""
                            : "_" + ws.closeReason().replaceAll("[^a-zA-Z0-9]+", "_")), 1, Integer::sum);
                }
                started.tryFail("closed before start");
                c.ended = true;
            });
            ws.writeTextMessage(new JsonObject().put("type", "start").put("stream_id", c.streamId).put("role", "customer")
                    .put("sample_rate", RATE).put("encoding", "s16le").encode());
            return started.future();
        });
    }

    private Buffer chunk(int client, int seq) {
        byte[] voice = voices[client % voices.length];
        int offset = (int) (((long) client * 7919 + (long) seq) * CHUNK_BYTES % (voice.length - CHUNK_BYTES));
        offset -= offset % 2;
        return Buffer.buffer().appendBytes(voice, offset, CHUNK_BYTES);
    }
}
