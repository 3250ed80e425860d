package dev.emostream.stream;

import dev.emostream.model.EmotionModel;
import dev.emostream.vad.VoiceActivity;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The service's topology, built by one factory method that the service and the tests share:
 * AudioFrames (bytes; decoded by the processor so an undecodable record becomes a dead letter, not
 * a crash) -> {@link EmotionProcessor} with the per-stream state store -> EmotionEvents and dead letters.
 */
public final class EmotionTopology {
    /** Per-stream state (DSP carry-over, model state, sequence tracking, metadata), changelogged. */
    public static final String STORE = "emostream-streams";
    /** Streams that ended recently: their last sequence number, so late frames of theirs are recognised. */
    public static final String ENDED_STORE = "emostream-ended";
    /** Each stream's latest event (Avro), for interactive queries; kept latest.retention.ms after it. */
    public static final String LATEST_STORE = "emostream-latest";
    static final String SOURCE = "audio-frames";
    static final String PROCESSOR = "emotion-processor";
    static final String EVENTS_SINK = "emotion-events";
    static final String DLQ_SINK = "dead-letters";

    private EmotionTopology() {
    }

    /** The topology without voice activity detection: every frame of audio reaches the model. */
    public static Topology build(TopologySettings settings, EmotionModel model, StreamCounters counters) {
        return build(settings, model, null, counters);
    }

    /** The topology; with {@code voice}, emotion over speech only, with utterance events. */
    public static Topology build(TopologySettings settings, EmotionModel model, VoiceActivity voice, StreamCounters counters) {
        Topology topology = new Topology();
        topology.addSource(SOURCE, new StringDeserializer(), new ByteArrayDeserializer(), settings.audioTopic());
        topology.addProcessor(PROCESSOR, () -> new EmotionProcessor(settings, model, voice, counters), SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(Map.of()), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ENDED_STORE), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(Map.of()), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(LATEST_STORE), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(Map.of()), PROCESSOR);
        topology.addSink(EVENTS_SINK, settings.emotionsTopic(), new StringSerializer(), new ByteArraySerializer(), PROCESSOR);
        topology.addSink(DLQ_SINK, settings.deadLetterTopic(), new StringSerializer(), new ByteArraySerializer(), PROCESSOR);
        return topology;
    }
}
