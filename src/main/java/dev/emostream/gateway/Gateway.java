package dev.emostream.gateway;

import dev.emostream.metrics.MetricsRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The HTTP and WebSocket front of emostream (Vert.x): audio in from voice apps over WebSocket,
 * events out to them and to dashboards (SSE), a stream's latest event, the web pages, metrics and
 * health. One server verticle per event loop, sharing the Kafka producer and the event hub.
 */
public final class Gateway implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Gateway.class.getName());
    private static final long KEEPALIVE_MS = 15_000;
    /** Events waiting for one subscriber's event loop before further ones are dropped. */
    static final int MAX_QUEUED_EVENTS = 1000;

    /** What /v1/info tells clients about the model, and where its events fall in a stream's audio. */
    public record ModelInfo(String version, List<String> labels, EventBoundaries boundaries) {
    }

    private final Vertx vertx;
    private final FrameProducer producer;
    private final EventHub hub;
    private final int port;

    private Gateway(Vertx vertx, FrameProducer producer, EventHub hub, int port) {
        this.vertx = vertx;
        this.producer = producer;
        this.hub = hub;
        this.port = port;
    }

    /**
     * Starts the gateway and returns once it listens.
     *
     * @param kafkaConfig client settings (bootstrap servers, security) for its producer and consumer
     * @param streams the local Kafka Streams application for GET /v1/latest, or null (gateway-only process)
     * @param notReady null when the process can serve, else why not (for /health/ready)
     */
    public static Gateway start(GatewaySettings settings, TokenAuth auth, Map<String, Object> kafkaConfig, KafkaStreams streams,
                                ModelInfo model, MetricsRegistry metricsRegistry, Supplier<String> notReady) throws Exception {
        GatewayMetrics metrics = new GatewayMetrics(metricsRegistry.registry());
        FrameProducer producer = new FrameProducer(kafkaConfig, settings.audioTopic());
        EventHub hub = null;
        Vertx vertx = null;
        try {
            producer.warmUp();
            hub = EventHub.start(kafkaConfig, settings.emotionsTopic(), metrics, Duration.ofSeconds(60));
            vertx = Vertx.vertx();
            HttpClient client = vertx.createHttpClient();
            HostInfo self = settings.applicationServer().isEmpty() ? null : HostInfo.buildFromEndpoint(settings.applicationServer());
            Shared shared = new Shared(settings, auth, producer, hub, new ActiveStreams(settings.maxStreams()), metrics,
                    metricsRegistry, new LatestEvents(streams, self, client), model, notReady);
            int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
            int port = settings.port();
            if (port == 0) {
                // Several verticles share a port only when it is known: take a free one first.
                try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(settings.host()))) {
                    port = s.getLocalPort();
                }
            }
            int listenPort = port;
            vertx.deployVerticle(() -> new ServerVerticle(shared, listenPort), new DeploymentOptions().setInstances(loops))
                    .await(60, TimeUnit.SECONDS);
            LOG.log(System.Logger.Level.INFO, "gateway listening on http://" + settings.host() + ":" + port
                    + " (auth " + (auth.enabled() ? "required" : "disabled") + ")");
            if (!auth.enabled()) {
                LOG.log(System.Logger.Level.WARNING, "!!! gateway auth is DISABLED: anyone who can reach " + settings.host() + ":"
                        + port + " can stream audio and read every event. Demo mode only: configure "
                        + "gateway.auth.tokens for anything else. !!!");
            }
            return new Gateway(vertx, producer, hub, port);
        } catch (Exception | Error e) {
            if (vertx != null) {
                vertx.close();
            }
            if (hub != null) {
                hub.close();
            }
            producer.close();
            throw e;
        }
    }

    public int port() {
        return port;
    }

    /** Whether the gateway's Kafka reader is healthy. */
    public boolean healthy() {
        return hub.healthy();
    }

    @Override
    public void close() {
        try {
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "the gateway's event loops did not stop cleanly: " + e);
        }
        // After the sockets close: their end-of-stream frames are sent by now, flushed here.
        producer.close();
        hub.close();
    }

    /** What every server verticle shares. */
    private record Shared(GatewaySettings settings, TokenAuth auth, FrameProducer producer, EventHub hub, ActiveStreams active,
                          GatewayMetrics metrics, MetricsRegistry registry, LatestEvents latest, ModelInfo model,
                          Supplier<String> notReady) {
    }

    /** One HTTP server on one event loop; Vert.x spreads connections over the instances. */
    private static final class ServerVerticle extends VerticleBase {
        private final Shared s;
        private final int port;

        ServerVerticle(Shared shared, int port) {
            this.s = shared;
            this.port = port;
        }

        @Override
        public Future<?> start() {
            Router router = Router.router(vertx);
            router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "up")));
            router.get("/health/ready").handler(this::ready);
            // A scrape walks every meter: off the event loop.
            router.get("/metrics").handler(ctx -> vertx.executeBlocking(() -> s.registry().scrape(), false)
                    .onSuccess(text -> ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(text))
                    .onFailure(ctx::fail));
            router.get("/v1/info").handler(this::info);
            router.get("/v1/audio").handler(this::audio);
            router.get("/v1/events").handler(this::events);
            router.get("/v1/latest").handler(ctx -> {
                if (authorized(ctx)) {
                    s.latest().handle(ctx);
                }
            });
            router.get("/").handler(ctx -> ctx.reroute("/dashboard.html"));
            router.route().handler(StaticHandler.create("webroot").setCachingEnabled(false));
            HttpServerOptions options = new HttpServerOptions()
                    .setHost(s.settings().host())
                    .setPort(port)
                    // The connection checks the configured limit itself, to say why it closes; the
                    // transport's limit (twice that) only stops what is far over it.
                    .setMaxWebSocketMessageSize(2 * s.settings().maxMessageBytes())
                    .setMaxWebSocketFrameSize(2 * s.settings().maxMessageBytes());
            HttpServer server = vertx.createHttpServer(options).requestHandler(router);
            return server.listen();
        }

        private boolean authorized(RoutingContext ctx) {
            if (s.auth().allows(ctx.request().getHeader("Authorization"), ctx.request().getParam("access_token"))) {
                return true;
            }
            s.metrics().refusal("unauthorized");
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"emostream\"");
            error(ctx, 401, "unauthorized", "a valid bearer token is required (Authorization: Bearer T, or access_token=T)");
            return false;
        }

        private void ready(RoutingContext ctx) {
            String problem = s.notReady().get();
            if (problem == null && !s.hub().healthy()) {
                problem = "the gateway cannot read the emotions topic";
            }
            if (problem == null) {
                ctx.json(new JsonObject().put("status", "ready"));
            } else {
                ctx.response().setStatusCode(503).putHeader("Content-Type", "application/json")
                        .end(new JsonObject().put("status", "not_ready").put("reason", problem).encode());
            }
        }

        private void info(RoutingContext ctx) {
            GatewaySettings g = s.settings();
            ctx.json(new JsonObject()
                    .put("model_version", s.model().version())
                    .put("labels", new JsonArray(s.model().labels()))
                    .put("event_hop_ms", g.eventHopMs())
                    .put("auth_required", s.auth().enabled())
                    .put("alert", new JsonObject().put("label", g.alertLabel()).put("threshold", g.alertThreshold())
                            .put("roles", new JsonArray(g.alertRoles())))
                    .put("limits", new JsonObject().put("max_message_bytes", g.maxMessageBytes())
                            .put("rate_limit_factor", g.rateLimitFactor()).put("idle_timeout_ms", g.idleTimeoutMs())
                            .put("max_streams", g.maxStreams())));
        }

        private void audio(RoutingContext ctx) {
            if (!ctx.request().canUpgradeToWebSocket()) {
                error(ctx, 400, "bad_request", "/v1/audio is a WebSocket endpoint");
                return;
            }
            if (!authorized(ctx)) {
                return;
            }
            ctx.request().toWebSocket()
                    .onSuccess(ws -> new AudioConnection(vertx, ws, s.settings(), s.model().boundaries(), s.producer(), s.hub(),
                            s.active(), s.metrics()).start())
                    .onFailure(e -> LOG.log(System.Logger.Level.DEBUG, "WebSocket upgrade failed: " + e));
        }

        /** Server-sent events: every event of the chosen streams and calls (all without filters). */
        private void events(RoutingContext ctx) {
            if (!authorized(ctx)) {
                return;
            }
            if (s.metrics().eventSubscribers().incrementAndGet() > s.settings().maxSubscribers()) {
                s.metrics().eventSubscribers().decrementAndGet();
                s.metrics().refusal("too_many_subscribers");
                error(ctx, 503, "too_many_subscribers", "this gateway serves " + s.settings().maxSubscribers()
                        + " event subscriptions already; retry later");
                return;
            }
            Set<String> streamIds = new LinkedHashSet<>(ctx.queryParam("stream_id"));
            Set<String> callIds = new LinkedHashSet<>(ctx.queryParam("call_id"));
            HttpServerResponse response = ctx.response();
            response.setChunked(true)
                    .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                    .putHeader("Cache-Control", "no-cache")
                    .putHeader("X-Accel-Buffering", "no"); // tell nginx-style proxies not to buffer the stream
            response.write("retry: 2000\n: connected\n\n");
            io.vertx.core.Context context = vertx.getOrCreateContext();
            java.util.concurrent.atomic.AtomicInteger queued = new java.util.concurrent.atomic.AtomicInteger();
            EventHub.Subscription subscription = s.hub().subscribe(streamIds, callIds, (event, json) -> {
                // Events handed to this connection's event loop and not yet written: a loop that
                // falls behind must not collect an unbounded queue of them.
                if (queued.incrementAndGet() > MAX_QUEUED_EVENTS) {
                    queued.decrementAndGet();
                    s.metrics().eventDropped();
                    return;
                }
                context.runOnContext(v -> {
                    queued.decrementAndGet();
                    if (response.closed() || response.ended()) {
                        return;
                    }
                    if (response.writeQueueFull()) {
                        // A dashboard that cannot keep up is disconnected (its EventSource reconnects)
                        // rather than buffered without bound.
                        s.metrics().refusal("slow_consumer");
                        response.reset();
                        return;
                    }
                    response.write("event: emotion\ndata: " + json + "\n\n");
                    s.metrics().eventDelivered();
                });
            });
            long keepalive = vertx.setPeriodic(KEEPALIVE_MS, t -> {
                if (!response.closed() && !response.ended()) {
                    response.write(": keepalive\n\n");
                }
            });
            Runnable cleanup = new Runnable() {
                private boolean done;

                @Override
                public void run() {
                    if (!done) {
                        done = true;
                        subscription.close();
                        vertx.cancelTimer(keepalive);
                        s.metrics().eventSubscribers().decrementAndGet();
                    }
                }
            };
            response.closeHandler(v -> cleanup.run());
            response.endHandler(v -> cleanup.run());
        }
    }

    static void error(RoutingContext ctx, int status, String code, String message) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("error", code).put("message", message).encode());
    }
}
