package dev.emostream.gateway;

import dev.emostream.service.ServiceConfig;
import dev.emostream.service.ServiceConfig.Key;
import java.util.List;

/** The gateway's limits and settings, read once from the service configuration. */
public record GatewaySettings(
        String host,
        int port,
        String audioTopic,
        String emotionsTopic,
        int maxMessageBytes,
        int frameMaxBytes,
        int maxChannels,
        double rateLimitFactor,
        long rateBurstMs,
        long idleTimeoutMs,
        int maxStreams,
        int maxSubscribers,
        int maxInflightFrames,
        long frameMs,
        long finalTimeoutMs,
        String alertLabel,
        double alertThreshold,
        List<String> alertRoles,
        long eventHopMs,
        String applicationServer) {

    public static GatewaySettings from(ServiceConfig c) {
        String host = c.get(Key.GATEWAY_HOST);
        if (host.isEmpty()) {
            // Demo mode (embedded broker, auth off by default) must not be reachable from the network.
            host = c.embedded() ? "127.0.0.1" : "0.0.0.0";
        }
        return new GatewaySettings(host, c.getInt(Key.GATEWAY_PORT), c.get(Key.TOPIC_AUDIO), c.get(Key.TOPIC_EMOTIONS),
                c.getInt(Key.GATEWAY_MAX_MESSAGE_BYTES), c.getInt(Key.FRAME_MAX_BYTES), c.getInt(Key.FRAME_MAX_CHANNELS), c.getDouble(Key.GATEWAY_RATE_LIMIT_FACTOR),
                c.getLong(Key.GATEWAY_RATE_BURST_MS), c.getLong(Key.GATEWAY_IDLE_TIMEOUT_MS), c.getInt(Key.GATEWAY_MAX_STREAMS),
                c.getInt(Key.GATEWAY_MAX_SUBSCRIBERS), c.getInt(Key.GATEWAY_MAX_INFLIGHT_FRAMES),
                c.getLong(Key.GATEWAY_FRAME_MS),
                c.getLong(Key.GATEWAY_FINAL_TIMEOUT_MS), c.get(Key.GATEWAY_ALERT_LABEL), c.getDouble(Key.GATEWAY_ALERT_THRESHOLD),
                c.getList(Key.GATEWAY_ALERT_ROLES), c.getLong(Key.EVENT_HOP_MS), c.get(Key.APPLICATION_SERVER));
    }
}
