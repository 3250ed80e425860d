package dev.emostream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.audio.DemoSignal;
import dev.emostream.audio.Encoding;
import dev.emostream.audio.WavWriter;
import dev.emostream.kafka.EmbeddedKafka;
import dev.emostream.service.EmotionService;
import dev.emostream.service.ServiceConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** produce -> the service -> tail, all through the real command line and a real broker. */
class ProduceTailCommandTest {
    static EmbeddedKafka broker;
    static EmotionService service;
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedKafka.start();
        service = EmotionService.start(ServiceConfig.resolve(Map.of(), Map.of(), Map.of(
                "bootstrap.servers", broker.bootstrapServers(), "application.id", "cli-test",
                "state.dir", dir.resolve("state").toString(), "model.provider", "cpu",
                // Transport test on a synthetic signal: every frame to the model (VAD: VoiceActivityTest, EmotionTopologyVadTest).
                "vad.enabled", "false")));
        assertTrue(service.awaitRunning(Duration.ofSeconds(60)));
    }

    @AfterAll
    static void stop() {
        service.close();
        broker.close();
    }

    String b() {
        return broker.bootstrapServers();
    }

    @Test
    void producedFilesComeBackAsEventsInTail() throws Exception {
        Path a = dir.resolve("a.wav");
        Path c = dir.resolve("c.wav");
        WavWriter.write(a, DemoSignal.generate(8_000, 1.6, 1), 1, 8_000, Encoding.MULAW);
        WavWriter.write(c, DemoSignal.generate(16_000, 1.2, 2), 1, 16_000, Encoding.S16LE);
        CliTestSupport.Result produced = CliTestSupport.run("produce", a.toString(), c.toString(), "--stream-id", "cli",
                "--call-id", "call-9", "--role", "customer", "--bootstrap-servers", b());
        assertEquals(0, produced.exitCode(), produced.err());
        assertTrue(produced.out().contains("stream cli-1: 1.60 s of 8000 Hz mulaw audio"), produced.out());
        assertTrue(produced.out().contains("140 frame(s) of 2 stream(s) sent to emostream.audio"), produced.out());

        // cli-1: events at 0.5, 1.0, 1.5 s and a final one.
        CliTestSupport.Result tail = CliTestSupport.run("tail", "--from-beginning", "--stream-id", "cli-1", "--max-events", "4",
                "--timeout-s", "60", "--bootstrap-servers", b());
        assertEquals(0, tail.exitCode(), tail.err());
        List<String> lines = tail.out().lines().toList();
        assertEquals(4, lines.size(), tail.out());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("cli-1 (call call-9)")), tail.out());
        assertTrue(lines.get(3).endsWith("[final: end_of_stream]"), tail.out());
        assertTrue(lines.get(3).contains("1.60 s"), tail.out());
    }

    @Test
    void audioTheServiceCannotTakeShowsInTheDeadLetterTail() throws Exception {
        Path odd = dir.resolve("odd.wav");
        WavWriter.write(odd, DemoSignal.generate(12_000, 0.1, 3), 1, 12_000, Encoding.S16LE);
        assertEquals(0, CliTestSupport.run("produce", odd.toString(), "--bootstrap-servers", b()).exitCode());
        CliTestSupport.Result tail = CliTestSupport.run("tail", "--dead-letters", "--from-beginning", "--max-events", "1",
                "--timeout-s", "60", "--bootstrap-servers", b());
        assertTrue(tail.out().startsWith("key odd  unsupported_sample_rate: sample rate 12000 Hz"), tail.out());
    }

    @Test
    void produceNeverCreatesTheTopicItWritesTo() throws Exception {
        CliTestSupport.Result r = CliTestSupport.run("produce", "--generate", "0.2", "--topic", "no-such-topic", "--topic-wait-s", "1",
                "--bootstrap-servers", b());
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("topic no-such-topic does not exist"), r.err());
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(java.util.Map.of(
                org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, b()))) {
            assertFalse(admin.listTopics().names().get(10, java.util.concurrent.TimeUnit.SECONDS).contains("no-such-topic"));
        }
    }

    @Test
    void produceRefusesBadOptionsAsUsageErrors() {
        assertEquals(2, CliTestSupport.run("produce", "--bootstrap-servers", b()).exitCode());
        assertEquals(2, CliTestSupport.run("produce", "--generate", "1", "--frame-ms", "0").exitCode());
        assertEquals(2, CliTestSupport.run("produce", "--generate", "1", "--encoding", "opus").exitCode());
        assertEquals(2, CliTestSupport.run("tail", "--timeout-s", "1e10").exitCode(), "a deadline beyond the clock's range");
        CliTestSupport.Result missing = CliTestSupport.run("produce", dir.resolve("missing.wav").toString(), "--bootstrap-servers", b());
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("no such file"), missing.err());
    }

    @Test
    void runValidatesItsSettingsBeforeStarting() {
        CliTestSupport.Result bad = CliTestSupport.run("run", "-s", "event.hop.ms=5", "-s", "nonsense=1");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("unknown setting 'nonsense' (command line)"), bad.err());
        assertTrue(bad.err().contains("event.hop.ms must be in [40, 600000], got 5"), bad.err());
        CliTestSupport.Result printed = CliTestSupport.run("run", "--print-config", "-s", "event.hop.ms=1000",
                "--bootstrap-servers", "kafka:9092");
        assertEquals(0, printed.exitCode(), printed.err());
        assertTrue(printed.out().contains("event.hop.ms=1000\n"), printed.out());
        assertTrue(printed.out().contains("bootstrap.servers=kafka:9092\n"), printed.out());
        assertEquals("127.0.0.1:" + ServiceConfig.Key.EMBEDDED_PORT.defaultValue(), KafkaOptions.DEFAULT_BOOTSTRAP);
        // --print-config refuses what run would refuse: here a queue too small for the VAD's decision wait
        CliTestSupport.Result unfit = CliTestSupport.run("run", "--print-config", "-s", "stream.max.queued.frames=100");
        assertEquals(2, unfit.exitCode(), unfit.out());
        assertTrue(unfit.err().contains("stream.max.queued.frames is 100"), unfit.err());
    }
}
