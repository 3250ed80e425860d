package dev.emostream.cli;

import dev.emostream.audio.DemoSignal;
import dev.emostream.audio.Encoding;
import dev.emostream.audio.SampleEncoder;
import dev.emostream.audio.WavAudio;
import dev.emostream.audio.WavReader;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/**
 * {@code emostream send}: a voice app in a command, and the reference client of the gateway's
 * WebSocket protocol (README, "Gateway"): start message, binary chunks at the audio's pace, end
 * message; it prints each emotion event that comes back on the socket.
 */
@Command(name = "send", mixinStandardHelpOptions = true,
        description = {"Streams a WAV file to the gateway over WebSocket as a voice app would (start message, a binary "
                + "chunk every --chunk-ms at the audio's pace, end message) and prints the emotion events that come back "
                + "on the same socket, then the final one."})
final class SendCommand implements java.util.concurrent.Callable<Integer> {
    @Parameters(paramLabel = "FILE.wav", arity = "0..1", description = "WAV file (8-48 kHz; s16le, f32le, mu-law or A-law).")
    Path file;

    @Option(names = "--generate", paramLabel = "SECONDS", description = "Instead of a file: a generated voice-like signal.")
    Double generateSeconds;

    @Option(names = "--url", paramLabel = "URL", defaultValue = "ws://127.0.0.1:8080/v1/audio",
            description = "The gateway's audio endpoint (default: ${DEFAULT-VALUE}).")
    URI url;

    @Option(names = "--token", paramLabel = "T", description = "Bearer token (default: the EMOSTREAM_TOKEN environment variable; "
            + "none is needed in demo mode).")
    String token;

    @Option(names = "--stream-id", paramLabel = "ID", defaultValue = "send-demo", description = "Stream id (default: ${DEFAULT-VALUE}).")
    String streamId;

    @Option(names = "--call-id", paramLabel = "ID", description = "Call id (default: none).")
    String callId;

    @Option(names = "--role", paramLabel = "ROLE", defaultValue = "customer", description = "Role (default: ${DEFAULT-VALUE}).")
    String role;

    @Option(names = "--chunk-ms", paramLabel = "MS", defaultValue = "20", description = "Audio per message (default: ${DEFAULT-VALUE}).")
    int chunkMs;

    @Option(names = "--speed", paramLabel = "X", defaultValue = "1",
            description = "Send X times faster than real time (the gateway allows gateway.rate.limit.factor, 2 by default; "
                    + "default: ${DEFAULT-VALUE}).")
    double speed;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Override
    public Integer call() throws Exception {
        if ((file == null) == (generateSeconds == null)) {
            throw new ParameterException(commandSpec.commandLine(), "give a FILE.wav or --generate SECONDS");
        }
        if (chunkMs < 5 || chunkMs > 1000 || !(speed > 0 && speed <= 100)) {
            throw new ParameterException(commandSpec.commandLine(), "--chunk-ms must be in [5, 1000] and --speed in (0, 100]");
        }
        if (!"ws".equals(url.getScheme()) && !"wss".equals(url.getScheme())) {
            throw new ParameterException(commandSpec.commandLine(), "--url must be ws:// or wss://, got " + url);
        }
        WavAudio audio = file != null ? new WavReader().read(file)
                : new WavAudio(16_000, 1, Encoding.S16LE, DemoSignal.generate(16_000, generateSeconds, 1));
        String bearer = token != null ? token : System.getenv("EMOSTREAM_TOKEN");
        PrintWriter out = commandSpec.commandLine().getOut();
        Vertx vertx = Vertx.vertx();
        try {
            return stream(vertx, audio, bearer, out);
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    private int stream(Vertx vertx, WavAudio audio, String bearer, PrintWriter out) throws Exception {
        boolean tls = "wss".equals(url.getScheme());
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(url.getHost())
                .setPort(url.getPort() > 0 ? url.getPort() : tls ? 443 : 80).setSsl(tls)
                .setURI(url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery()));
        if (bearer != null && !bearer.isEmpty()) {
            options.addHeader("Authorization", "Bearer " + bearer);
        }
        WebSocket ws;
        // Referenced until the stream ends: Vert.x closes a client's sockets when the client is garbage collected.
        WebSocketClient client = vertx.createWebSocketClient();
        try {
            ws = client.connect(options).await(30, TimeUnit.SECONDS);
        } catch (UpgradeRejectedException e) {
            throw new IllegalStateException("the gateway refused the connection: HTTP " + e.getStatus()
                    + (e.getStatus() == 401 ? " (a valid --token is needed)" : ""), e);
        }
        BlockingQueue<JsonObject> messages = new LinkedBlockingQueue<>();
        CompletableFuture<Short> closed = new CompletableFuture<>();
        ws.textMessageHandler(t -> messages.add(new JsonObject(t)));
        ws.closeHandler(v -> closed.complete(ws.closeStatusCode()));

        JsonObject start = new JsonObject().put("type", "start").put("stream_id", streamId).put("role", role)
                .put("sample_rate", audio.sampleRate()).put("encoding", audio.encoding().name().toLowerCase(Locale.ROOT))
                .put("channels", audio.channels());
        if (callId != null) {
            start.put("call_id", callId);
        }
        ws.writeTextMessage(start.encode());
        JsonObject reply = messages.poll(30, TimeUnit.SECONDS);
        if (reply == null || !"started".equals(reply.getString("type"))) {
            return failed(out, reply, closed);
        }
        Encoding enc = audio.encoding();
        long startNanos = System.nanoTime();
        // Chunk k is the audio of [k, k + 1) x chunk-ms exactly (chunks differ by a sample where that is
        // not a whole number of samples), so pacing by k keeps real time without drift.
        for (long k = 0, first = 0; first < audio.frames() && !closed.isDone(); k++, first = k * audio.sampleRate() * chunkMs / 1000) {
            long due = startNanos + (long) (k * chunkMs * 1e6 / speed);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            long end = (k + 1) * audio.sampleRate() * chunkMs / 1000;
            int n = (int) Math.min(end - first, audio.frames() - first);
            if (n <= 0) {
                continue; // below one sample per chunk: the next chunk takes it
            }
            byte[] payload = new byte[n * audio.channels() * enc.bytesPerSample()];
            SampleEncoder.encode(enc, audio.samples(), (int) first * audio.channels(), n * audio.channels(), payload, 0);
            ws.writeBinaryMessage(Buffer.buffer(payload));
            printEvents(messages, out);
        }
        ws.writeTextMessage("{\"type\":\"end\"}");
        boolean sawFinal = false;
        while (true) {
            JsonObject m = messages.poll(200, TimeUnit.MILLISECONDS);
            if (m == null) {
                if (closed.isDone() && messages.isEmpty()) {
                    break;
                }
                continue;
            }
            if (!"event".equals(m.getString("type"))) {
                return failed(out, m, closed);
            }
            out.println(format(m));
            out.flush();
            sawFinal |= Boolean.TRUE.equals(m.getBoolean("final"));
        }
        Short code = closed.get();
        client.close();
        if (code != null && code == 1000 && !sawFinal) {
            throw new IllegalStateException("the gateway closed the stream without its final event (is the stream service running?)");
        }
        return code != null && code == 1000 ? 0 : failed(out, null, closed);
    }

    private void printEvents(BlockingQueue<JsonObject> messages, PrintWriter out) {
        JsonObject m;
        while ((m = messages.poll()) != null) {
            if ("error".equals(m.getString("type"))) {
                messages.add(m); // reported after the loop stops at the close
                return;
            }
            out.println(format(m));
        }
        out.flush();
    }

    private int failed(PrintWriter out, JsonObject message, CompletableFuture<Short> closed) throws Exception {
        Short code = closed.isDone() ? closed.get() : null;
        String why = message != null && "error".equals(message.getString("type"))
                ? message.getString("code") + ": " + message.getString("message")
                : "unexpected " + (message == null ? "silence" : message.encode());
        throw new IllegalStateException("the gateway ended the stream (close code " + code + "): " + why);
    }

    static String format(JsonObject e) {
        String what = e.getString("label") == null ? "-"
                : String.format(Locale.ROOT, "%-9s %.2f", e.getString("label"), e.getDouble("confidence"));
        return String.format(Locale.ROOT, "%s  %7.2f-%7.2f s  %s  latency %d ms%s", e.getString("stream_id"),
                e.getLong("audio_start_ms") / 1000.0, e.getLong("audio_end_ms") / 1000.0, what,
                e.getLong("processing_latency_ms"), e.getBoolean("final") ? "  FINAL (" + e.getString("final_reason") + ")" : "");
    }
}
