package dev.emostream.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceConfigTest {
    @Test
    void laterSourcesWinAndKafkaKeysPassThrough() {
        ServiceConfig c = ServiceConfig.resolve(
                Map.of("event.hop.ms", "1000", "topic.audio", "from-file", "kafka.security.protocol", "SSL"),
                Map.of("EMOSTREAM_EVENT_HOP_MS", "750", "KAFKA_BOOTSTRAP_SERVERS", "k1:9092", "EMOSTREAM_KAFKA_SASL_MECHANISM", "PLAIN",
                        "UNRELATED", "x"),
                Map.of("event.hop.ms", "600"));
        assertEquals(600, c.getLong(ServiceConfig.Key.EVENT_HOP_MS));
        assertEquals("from-file", c.get(ServiceConfig.Key.TOPIC_AUDIO));
        assertEquals("k1:9092", c.get(ServiceConfig.Key.BOOTSTRAP_SERVERS));
        assertEquals(false, c.embedded());
        assertEquals(Map.of("security.protocol", "SSL", "sasl.mechanism", "PLAIN"), c.kafkaOverrides());
        assertEquals("PLAIN", EmotionService.streamsProperties(c, "k1:9092").get("sasl.mechanism"));
        assertEquals("exactly_once_v2", EmotionService.streamsProperties(c, "k1:9092").get("processing.guarantee"));
    }

    @Test
    void kafkaKeysThatEmostreamSetsAndUnknownEnvironmentVariablesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServiceConfig.resolve(Map.of(),
                Map.of("EMOSTREAM_EVENT_HOP", "500"), Map.of("kafka.processing.guarantee", "at_least_once")));
        assertTrue(e.getMessage().contains("'kafka.processing.guarantee' (command line): set processing.guarantee instead"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown setting 'EMOSTREAM_EVENT_HOP' (environment)"), e.getMessage());
        String printed = ServiceConfig.resolve(Map.of(), Map.of(), Map.of("kafka.ssl.keystore.key", "PEM", "kafka.acks", "all")).toString();
        assertTrue(printed.contains("kafka.ssl.keystore.key=<hidden>") && printed.contains("kafka.acks=all"), printed);
    }

    @Test
    void theClientsTokenVariableIsNoSettingAndServiceLinksGetAHint() {
        // README's compose section exports EMOSTREAM_TOKEN for `send`; `run` in that shell must start.
        assertEquals(ServiceConfig.defaults().toString(),
                ServiceConfig.resolve(Map.of(), Map.of("EMOSTREAM_TOKEN", "t"), Map.of()).toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServiceConfig.resolve(Map.of(),
                Map.of("EMOSTREAM_SERVICE_HOST", "10.0.0.1", "EMOSTREAM_PORT_8080_TCP_ADDR", "10.0.0.1"), Map.of()));
        assertTrue(e.getMessage().contains("unknown setting 'EMOSTREAM_SERVICE_HOST' (environment): it looks like a "
                + "Kubernetes service link"), e.getMessage());
        assertTrue(e.getMessage().contains("'EMOSTREAM_PORT_8080_TCP_ADDR' (environment): it looks like"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ServiceConfig.resolve(Map.of(),
                Map.of("EMOSTREAM_EVENT_HOP", "500"), Map.of()));
        assertFalse(e.getMessage().contains("service link"), e.getMessage());
    }

    @Test
    void defaultsAreTheDocumentedOnesAndEmbedded() {
        ServiceConfig c = ServiceConfig.defaults();
        assertTrue(c.embedded());
        assertEquals("emostream.audio", c.get(ServiceConfig.Key.TOPIC_AUDIO));
        assertEquals(500, c.getLong(ServiceConfig.Key.EVENT_HOP_MS));
        assertEquals("EMOSTREAM_STREAM_MAX_QUEUED_FRAMES", ServiceConfig.Key.STREAM_MAX_QUEUED_FRAMES.environmentVariable());
    }

    @Test
    void aGatewayMessageLimitOverTheProcessorsFrameLimitIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServiceConfig.resolve(Map.of(), Map.of(),
                Map.of("frame.max.bytes", "32768")));
        assertTrue(e.getMessage().contains("gateway.max.message.bytes (65536) must not exceed frame.max.bytes (32768)"), e.getMessage());
        assertEquals(32768, ServiceConfig.resolve(Map.of(), Map.of(),
                Map.of("frame.max.bytes", "32768", "gateway.max.message.bytes", "32768")).getInt(ServiceConfig.Key.FRAME_MAX_BYTES));
    }

    @Test
    void settingsThatDoNotFitTheVadRefuseTheStartBeforeABrokerStarts() throws Exception {
        Path dir = Files.createTempDirectory("emostream-refused-").resolve("kafka");
        ServiceConfig c = ServiceConfig.resolve(Map.of(), Map.of(), Map.of("embedded.dir", dir.toString(), "embedded.port", "0",
                "model.provider", "cpu", "stream.max.queued.frames", "100"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EmotionService.start(c));
        assertTrue(e.getMessage().contains("stream.max.queued.frames is 100"), e.getMessage());
        assertFalse(Files.exists(dir), "no broker was started (its log directory would exist)");
    }

    @Test
    void vadSettingsNoQueueLimitCanFitNameTheSettingsToLower() {
        ServiceConfig c = ServiceConfig.resolve(Map.of(), Map.of(), Map.of("vad.min.speech.ms", "10000",
                "vad.min.silence.ms", "10000", "stream.max.queued.frames", "2000"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmotionService.loadVoiceActivity(c, dev.emostream.features.FeatureSpec.bundled()));
        assertTrue(e.getMessage().contains("more than stream.max.queued.frames may be (2000)"), e.getMessage());
        assertTrue(e.getMessage().contains("lower vad.min.speech.ms, vad.min.silence.ms or vad.speech.pad.ms"), e.getMessage());
    }

    @Test
    void theVadRefusesAModelWhoseFeaturesAreNotAt16kHz() {
        dev.emostream.features.FeatureSpec bundled = dev.emostream.features.FeatureSpec.bundled();
        String json = bundled.toJson().replaceAll("\"sample_rate\"\\s*:\\s*16000", "\"sample_rate\":22050");
        dev.emostream.features.FeatureSpec at22k = dev.emostream.features.FeatureSpec.read(
                new java.io.ByteArrayInputStream(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)), "test");
        assertEquals(22050, at22k.sampleRate(), json);
        ServiceConfig c = ServiceConfig.resolve(Map.of(), Map.of(), Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EmotionService.loadVoiceActivity(c, at22k));
        assertTrue(e.getMessage().contains("features are at 22050 Hz"), e.getMessage());
        assertEquals(null, EmotionService.loadVoiceActivity(ServiceConfig.resolve(Map.of(), Map.of(), Map.of("vad.enabled", "false")), at22k));
    }

    @Test
    void everyProblemIsNamedAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServiceConfig.resolve(
                Map.of("topic.audio", "bad topic"), Map.of(), Map.of("inference.max.batch", "many", "model.provider", "tpu",
                        "frame.max.bytes", "0", "typo.key", "1")));
        for (String expected : new String[] {"topic.audio must be", "inference.max.batch must be an integer, got 'many'",
            "model.provider must be auto, cuda or cpu", "frame.max.bytes must be in [1, 1048576], got 0",
            "unknown setting 'typo.key' (command line)"}) {
            assertTrue(e.getMessage().contains(expected), e.getMessage());
        }
    }

    @Test
    void theQuietFloorIsANumberInRangeOrOff() {
        assertEquals(dev.emostream.vad.VadSettings.NO_QUIET_FLOOR, EmotionService.vadSettings(ServiceConfig.defaults()).quietFloorDbfs());
        assertEquals(dev.emostream.vad.VadSettings.NO_QUIET_FLOOR, EmotionService.vadSettings(
                ServiceConfig.resolve(Map.of(), Map.of(), Map.of("vad.quiet.floor.dbfs", "off"))).quietFloorDbfs());
        assertEquals(-55, EmotionService.vadSettings(
                ServiceConfig.resolve(Map.of(), Map.of(), Map.of("vad.quiet.floor.dbfs", "-55"))).quietFloorDbfs());
        for (String bad : new String[] {"loud", "-10", "-300"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ServiceConfig.resolve(Map.of(), Map.of(), Map.of("vad.quiet.floor.dbfs", bad)));
            assertTrue(e.getMessage().contains("vad.quiet.floor.dbfs"), e.getMessage());
        }
    }

    @Test
    void readmeDocumentsEveryKeyWithItsDefault() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("emostream.projectDir", "."), "README.md"));
        for (ServiceConfig.Key k : ServiceConfig.Key.values()) {
            String row = "| `" + k.key() + "` | " + (k.defaultValue().isEmpty() ? "" : "`" + k.defaultValue() + "`") + " |";
            assertTrue(readme.contains(row), "README lacks the row " + row);
        }
    }
}
