package dev.emostream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.audio.Encoding;
import dev.emostream.contract.Contracts;
import dev.emostream.contract.EmotionEvent;
import dev.emostream.features.FeaturePipeline;
import dev.emostream.model.EmotionModel;
import dev.emostream.model.StreamState;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** The processor taking over stored streams (a restart or a rebalance), on Kafka's mock context. */
class EmotionProcessorRestoreTest {
    static final EmotionModel model = TestModel.get();


    @Test
    void restoredStreamsCountTheirIdleTimeFromTheRestartAndEndedOnesAreFinalised() throws Exception {
        TopologySettings settings = TopologySettings.defaults("a", "e", "d").withIdleTimeoutMs(30_000);
        MockProcessorContext<String, byte[]> context = new MockProcessorContext<>();
        KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(EmotionTopology.STORE),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        KeyValueStore<String, byte[]> endedStore = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(EmotionTopology.ENDED_STORE),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build();
        endedStore.init(context.getStateStoreContext(), endedStore);
        context.addStateStore(endedStore);
        KeyValueStore<String, byte[]> latestStore = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(EmotionTopology.LATEST_STORE),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build();
        latestStore.init(context.getStateStoreContext(), latestStore);
        context.addStateStore(latestStore);

        // Two streams stored by the previous owner an hour ago: one live, one ended before its final event.
        long restart = 1_800_000_000_000L;
        for (String id : new String[] {"live", "ended"}) {
            StreamSession s = new StreamSession(id, null, null, 16_000, Encoding.S16LE, 1,
                    new FeaturePipeline(model.descriptor().featureSpec(), 16_000), new StreamState(model.descriptor(), 1000),
                new dev.emostream.vad.SpeechGate(null, model.descriptor().featureSpec(), model.descriptor().framesPerStep(), 1000));
            float[] voice = TestFrames.voice(16_000, 0.7, 3);
            s.accept(voice, voice.length);
            s.nextEventMs = 500;
            s.lastSeenWall = restart - 3_600_000;
            s.lastFrameTime = restart - 3_600_000;
            if (id.equals("ended")) {
                s.end("end_of_stream");
            }
            store.put(id, s.toBytes());
        }
        StreamCounters counters = new StreamCounters();
        EmotionProcessor processor = new EmotionProcessor(settings, model, null, counters);
        context.setCurrentSystemTimeMs(restart);
        context.setCurrentStreamTimeMs(restart - 3_600_000); // no record since the restart
        processor.init(context);
        assertEquals(2, counters.activeStreams());

        processor.evictIdle(restart + 1_000);
        // The ended stream gets its final event; the live one is not idle: its clock starts at the restart.
        EmotionEvent last = null;
        int finals = 0;
        for (var f : context.forwarded(EmotionTopology.EVENTS_SINK)) {
            EmotionEvent e = Contracts.decodeEvent(f.record().value());
            if (e.getFinal$()) {
                finals++;
                last = e;
            }
        }
        assertEquals(1, finals);
        assertEquals("ended", last.getStreamId());
        assertEquals("end_of_stream", last.getFinalReason());
        assertNotNull(store.get("live"));
        assertEquals(null, store.get("ended"));
        assertEquals(1, counters.activeStreams());

        processor.evictIdle(restart + 31_000);
        assertFalse(store.get("live") != null, "idle for the timeout after the restart: ended and evicted");
        assertTrue(counters.finalEvents() == 2);
    }
}
