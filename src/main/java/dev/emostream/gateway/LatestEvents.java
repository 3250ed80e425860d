package dev.emostream.gateway;

import dev.emostream.contract.Contracts;
import dev.emostream.stream.EmotionTopology;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * {@code GET /v1/latest?stream_id=S}: a stream's latest event from the stream processor's state
 * (Kafka Streams interactive queries on the {@code emostream-latest} store). With several instances
 * (application.server set) a stream held by another instance is fetched from that instance's gateway.
 */
final class LatestEvents {
    static final String FORWARDED_HEADER = "X-Emostream-Forwarded";

    private final KafkaStreams streams;
    private final HostInfo self;
    private final HttpClient client;

    /**
     * @param streams the local Kafka Streams application, or null when this process runs only the gateway
     * @param self this instance's application.server, or null for a single instance
     */
    LatestEvents(KafkaStreams streams, HostInfo self, HttpClient client) {
        this.streams = streams;
        this.self = self;
        this.client = client;
    }

    void handle(RoutingContext ctx) {
        String streamId = ctx.request().getParam("stream_id");
        if (streamId == null || streamId.isEmpty()) {
            Gateway.error(ctx, 400, "bad_request", "the stream_id query parameter is required");
            return;
        }
        if (streams == null) {
            Gateway.error(ctx, 503, "unavailable", "this process runs only the gateway role: latest events are served by "
                    + "instances that run the stream service");
            return;
        }
        if (self != null) {
            KeyQueryMetadata where = streams.queryMetadataForKey(EmotionTopology.LATEST_STORE, streamId, Serdes.String().serializer());
            if (where == null || KeyQueryMetadata.NOT_AVAILABLE.equals(where)) {
                unavailable(ctx);
                return;
            }
            if (!self.equals(where.activeHost())) {
                if (ctx.request().getHeader(FORWARDED_HEADER) != null) {
                    unavailable(ctx); // the instances disagree during a rebalance: do not bounce between them
                } else {
                    forward(ctx, where.activeHost(), streamId);
                }
                return;
            }
        }
        byte[] value;
        try {
            ReadOnlyKeyValueStore<String, byte[]> store = streams.store(
                    StoreQueryParameters.fromNameAndType(EmotionTopology.LATEST_STORE, QueryableStoreTypes.keyValueStore()));
            value = store.get(streamId);
        } catch (InvalidStateStoreException e) {
            unavailable(ctx);
            return;
        }
        if (value == null) {
            Gateway.error(ctx, 404, "not_found", "no event for stream '" + streamId + "' (unknown, or older than latest.retention.ms)");
            return;
        }
        try {
            ctx.response().putHeader("Content-Type", "application/json").end(EventJson.toJson(Contracts.decodeEvent(value)));
        } catch (java.io.IOException e) {
            Gateway.error(ctx, 500, "internal_error", "the stored event cannot be read: " + e.getMessage());
        }
    }

    private static void unavailable(RoutingContext ctx) {
        ctx.response().putHeader("Retry-After", "1");
        Gateway.error(ctx, 503, "unavailable", "the stream state is moving between instances (rebalance); retry shortly");
    }

    private void forward(RoutingContext ctx, HostInfo owner, String streamId) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(owner.host()).setPort(owner.port())
                .setURI("/v1/latest?stream_id=" + URLEncoder.encode(streamId, StandardCharsets.UTF_8))
                .putHeader(FORWARDED_HEADER, "1")
                .setConnectTimeout(2_000)
                .setIdleTimeout(5_000);
        String auth = ctx.request().getHeader("Authorization");
        String token = ctx.request().getParam("access_token");
        if (auth != null) {
            options.putHeader("Authorization", auth);
        } else if (token != null) {
            options.putHeader("Authorization", "Bearer " + token);
        }
        client.request(options)
                .compose(req -> req.send())
                .compose(resp -> resp.body().map(body -> {
                    String retryAfter = resp.getHeader("Retry-After");
                    if (retryAfter != null) {
                        ctx.response().putHeader("Retry-After", retryAfter);
                    }
                    ctx.response().setStatusCode(resp.statusCode()).putHeader("Content-Type", "application/json").end(body);
                    return null;
                }))
                .onFailure(e -> Gateway.error(ctx, 502, "bad_gateway", "the instance holding this stream (" + owner.host() + ":"
                        + owner.port() + ") did not answer: " + e.getMessage()));
    }
}
