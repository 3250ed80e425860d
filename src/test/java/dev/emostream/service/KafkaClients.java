package dev.emostream.service;

import dev.emostream.contract.AudioFrame;
import dev.emostream.contract.Contracts;
import dev.emostream.contract.EmotionEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain Kafka clients for the integration tests: a producer of frames, a reader of a whole topic. */
final class KafkaClients {
    private KafkaClients() {
    }

    static void produce(String bootstrap, String topic, List<AudioFrame> frames) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            for (AudioFrame f : frames) {
                producer.send(new ProducerRecord<>(topic, f.getStreamId(), Contracts.encode(f)));
            }
            producer.flush();
        }
    }

    static void produceRaw(String bootstrap, String topic, String key, byte[] value) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value));
            producer.flush();
        }
    }

    /** Every record of {@code topic} from the beginning, polling until {@code done} holds or the timeout. */
    static List<ConsumerRecord<String, byte[]>> readUntil(String bootstrap, String topic, boolean committedOnly,
                                                          Predicate<List<ConsumerRecord<String, byte[]>>> done, Duration timeout) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, committedOnly ? "read_committed" : "read_uncommitted",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.isEmpty()) {
                var infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
                if (infos != null) {
                    infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("topic " + topic + " never appeared");
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            while (!done.test(records) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    static EmotionEvent event(ConsumerRecord<String, byte[]> r) {
        try {
            return Contracts.decodeEvent(r.value());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<EmotionEvent> events(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(KafkaClients::event).toList();
    }

    static long finals(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().filter(r -> event(r).getFinal$()).count();
    }
}
