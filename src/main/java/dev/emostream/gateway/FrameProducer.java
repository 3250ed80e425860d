package dev.emostream.gateway;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes the audio frames that WebSocket clients send to the audio topic. acks=all and idempotence:
 * a frame the gateway has been told is written is on every in-sync replica, once. The callback
 * runs on the producer's I/O thread.
 */
public final class FrameProducer implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final String topic;

    public FrameProducer(Map<String, Object> kafkaConfig, String topic) {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        config.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // Frames are latency-bound: batch only what arrives within a few ms.
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 2);
        // send() runs on an event loop: it must not wait for buffer space or metadata. Per-connection
        // in-flight limits pause sockets while Kafka is slow; when the broker is gone long enough for
        // the buffer to fill anyway, a send fails after this short wait and its connection is closed
        // (1011, saying from which chunk its audio was not taken) instead of freezing an event loop.
        config.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 50);
        config.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG, 128L << 20);
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "emostream-gateway-frames");
        this.producer = new KafkaProducer<>(config);
        this.topic = topic;
    }

    /** Fetches the topic's metadata now (blocking), so sends from event loops do not wait for it. */
    public void warmUp() {
        producer.partitionsFor(topic);
    }

    /** Sends one encoded frame; {@code done} gets null or the failure. */
    public void send(String streamId, byte[] frame, Consumer<Exception> done) {
        try {
            producer.send(new ProducerRecord<>(topic, streamId, frame), (metadata, exception) -> done.accept(exception));
        } catch (RuntimeException e) {
            done.accept(e);
        }
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
