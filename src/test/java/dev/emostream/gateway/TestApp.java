package dev.emostream.gateway;

import dev.emostream.contract.Contracts;
import dev.emostream.contract.EmotionEvent;
import dev.emostream.service.Application;
import dev.emostream.service.ServiceConfig;
import dev.emostream.stream.EmotionTopology;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/** A whole emostream process for a gateway test: embedded broker, one partition and stream thread, CPU inference. */
final class TestApp {
    private TestApp() {
    }

    /** Starts it with {@code settings} over those defaults (no token: demo mode). */
    static Application start(String name, Map<String, String> settings) throws Exception {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("embedded.port", "0");
        s.put("gateway.port", "0");
        s.put("topic.partitions", "1");
        s.put("num.stream.threads", "1");
        s.put("model.provider", "cpu");
        s.put("state.dir", Files.createTempDirectory("emostream-" + name + "-").toString());
        s.putAll(settings);
        return Application.start(ServiceConfig.resolve(Map.of(), Map.of(), s), Duration.ofSeconds(120));
    }

    /** The stream's latest event from the service's store (interactive query); null if none. */
    static EmotionEvent latest(Application app, String streamId) throws java.io.IOException {
        byte[] v = app.service().streams().store(StoreQueryParameters.fromNameAndType(EmotionTopology.LATEST_STORE,
                QueryableStoreTypes.<String, byte[]>keyValueStore())).get(streamId);
        return v == null ? null : Contracts.decodeEvent(v);
    }
}
