package dev.emostream.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A voice app's side of /v1/audio for tests: text messages queued, the close code and reason kept. */
final class WsClient implements AutoCloseable {
    record Closed(short code, String reason) {
    }

    final WebSocketClient client;
    final WebSocket ws;
    final BlockingQueue<JsonObject> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Closed> closed = new CompletableFuture<>();

    private WsClient(WebSocketClient client, WebSocket ws) {
        // The client is kept with its socket: Vert.x closes a client's sockets when it is garbage collected.
        this.client = client;
        this.ws = ws;
        ws.textMessageHandler(t -> messages.add(new JsonObject(t)));
        ws.closeHandler(v -> closed.complete(new Closed(ws.closeStatusCode() == null ? -1 : ws.closeStatusCode(),
                ws.closeReason())));
    }

    static WsClient connect(Vertx vertx, int port, String token) throws Exception {
        WebSocketClient client = vertx.createWebSocketClient();
        WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/v1/audio");
        if (token != null) {
            o.addHeader("Authorization", "Bearer " + token);
        }
        return new WsClient(client, client.connect(o).await(10, TimeUnit.SECONDS));
    }

    void start(String streamId, String callId, int sampleRate, String encoding) throws Exception {
        JsonObject start = new JsonObject().put("type", "start").put("stream_id", streamId).put("role", "customer")
                .put("sample_rate", sampleRate).put("encoding", encoding);
        if (callId != null) {
            start.put("call_id", callId);
        }
        ws.writeTextMessage(start.encode()).await(5, TimeUnit.SECONDS);
        JsonObject started = next(10);
        if (!"started".equals(started.getString("type"))) {
            throw new AssertionError("expected started, got " + started);
        }
    }

    void send(byte[] chunk) throws Exception {
        ws.writeBinaryMessage(Buffer.buffer(chunk)).await(5, TimeUnit.SECONDS);
    }

    void text(String message) throws Exception {
        ws.writeTextMessage(message).await(5, TimeUnit.SECONDS);
    }

    void end() throws Exception {
        text("{\"type\":\"end\"}");
    }

    JsonObject next(int seconds) throws InterruptedException {
        JsonObject m = messages.poll(seconds, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("no message within " + seconds + " s");
        }
        return m;
    }

    /** Every message until the socket closes. */
    List<JsonObject> untilClosed(int seconds) throws Exception {
        closed.get(seconds, TimeUnit.SECONDS);
        Thread.sleep(50); // messages sent just before the close frame
        List<JsonObject> all = new ArrayList<>();
        messages.drainTo(all);
        return all;
    }

    Closed closeStatus(int seconds) throws Exception {
        return closed.get(seconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (!ws.isClosed()) {
            ws.close();
        }
        try {
            closed.get(10, TimeUnit.SECONDS); // the gateway has released the stream by then
        } catch (Exception e) {
            throw new AssertionError("the socket did not close", e);
        }
    }
}
