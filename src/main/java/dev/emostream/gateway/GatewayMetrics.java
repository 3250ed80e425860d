package dev.emostream.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The gateway's metrics: connections, refusals by reason, frames and bytes in, events out. */
public final class GatewayMetrics {
    private final MeterRegistry registry;
    private final AtomicInteger audioConnections = new AtomicInteger();
    private final AtomicInteger eventSubscribers = new AtomicInteger();
    private final Counter framesIn;
    private final Counter bytesIn;
    private final Counter eventsRead;
    private final Counter undecodableEvents;
    private final Counter eventsDelivered;
    private final Counter eventsDropped;
    private final Map<String, Counter> refusals = new ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("emostream_gateway_connections", audioConnections, AtomicInteger::get).tag("kind", "audio")
                .description("open WebSocket and SSE connections").register(registry);
        Gauge.builder("emostream_gateway_connections", eventSubscribers, AtomicInteger::get).tag("kind", "events")
                .description("open WebSocket and SSE connections").register(registry);
        framesIn = Counter.builder("emostream_gateway_frames_in").description("audio chunks received from WebSocket clients").register(registry);
        bytesIn = Counter.builder("emostream_gateway_audio_bytes_in").baseUnit("bytes").description("audio bytes received from WebSocket clients").register(registry);
        eventsRead = Counter.builder("emostream_gateway_events_read").description("events read from the emotions topic").register(registry);
        undecodableEvents = Counter.builder("emostream_gateway_events_undecodable").description("records on the emotions topic that are not EmotionEvents").register(registry);
        eventsDelivered = Counter.builder("emostream_gateway_events_delivered").description("events written to WebSocket and SSE clients").register(registry);
        eventsDropped = Counter.builder("emostream_gateway_events_dropped").description("events not written because the client did not keep up").register(registry);
    }

    AtomicInteger audioConnections() {
        return audioConnections;
    }

    AtomicInteger eventSubscribers() {
        return eventSubscribers;
    }

    void frameIn(int bytes) {
        framesIn.increment();
        bytesIn.increment(bytes);
    }

    void eventRead() {
        eventsRead.increment();
    }

    void undecodableEvent() {
        undecodableEvents.increment();
    }

    void eventDelivered() {
        eventsDelivered.increment();
    }

    void eventDropped() {
        eventsDropped.increment();
    }

    /** A refused request or a connection closed for cause, by reason (unauthorized, rate_limited, ...). */
    void refusal(String reason) {
        refusals.computeIfAbsent(reason, r -> Counter.builder("emostream_gateway_refusals").tag("reason", r)
                .description("requests refused and connections closed for cause, by reason").register(registry)).increment();
    }
}
