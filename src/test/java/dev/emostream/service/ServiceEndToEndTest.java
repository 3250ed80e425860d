package dev.emostream.service;

import static dev.emostream.testing.EmotionEvents.assertSameEvents;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.audio.DemoSignal;
import dev.emostream.audio.Encoding;
import dev.emostream.contract.AudioFrame;
import dev.emostream.contract.Contracts;
import dev.emostream.contract.EmotionEvent;
import dev.emostream.kafka.EmbeddedKafka;
import dev.emostream.stream.DeadLetters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service against a real (embedded) broker: end to end, and a crash with no clean close. */
class ServiceEndToEndTest {
    static EmbeddedKafka broker;

    @BeforeAll
    static void startBroker() {
        // Consumer groups notice a killed member after group.min.session.timeout.ms (6 s here).
        broker = EmbeddedKafka.start(0, tempDir(), true, Map.of("group.min.session.timeout.ms", "2000"));
    }

    static Path tempDir() {
        try {
            return Files.createTempDirectory("emostream-test-kafka-");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    /** Settings of one application on its own topics. */
    static Map<String, String> settings(String name, Path stateDir) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("bootstrap.servers", broker.bootstrapServers());
        s.put("application.id", name);
        s.put("topic.audio", name + ".audio");
        s.put("topic.emotions", name + ".emotions");
        s.put("topic.dlq", name + ".dlq");
        s.put("topic.partitions", "2");
        s.put("state.dir", stateDir.toString());
        s.put("model.provider", "cpu");
        s.put("kafka.session.timeout.ms", "2000");
        s.put("kafka.heartbeat.interval.ms", "500");
        // The child `run` starts the gateway too: on a free port, and with a token (the broker is not embedded).
        s.put("gateway.port", "0");
        s.put("gateway.auth.tokens", "crash-test-token");
        return s;
    }

    /** Three speakers: 16 kHz s16le, 8 kHz mu-law, 44.1 kHz stereo float; each ends its stream. */
    static List<List<AudioFrame>> speakers() {
        List<List<AudioFrame>> streams = new ArrayList<>();
        streams.add(frames("agent", DemoSignal.generate(16_000, 3.0, 1), 16_000, 1, Encoding.S16LE));
        streams.add(frames("customer", DemoSignal.generate(8_000, 2.6, 2), 8_000, 1, Encoding.MULAW));
        float[] mono = DemoSignal.generate(44_100, 2.2, 3);
        float[] stereo = new float[mono.length * 2];
        for (int i = 0; i < mono.length; i++) {
            stereo[2 * i] = mono[i];
            stereo[2 * i + 1] = 0.5f * mono[i];
        }
        streams.add(frames("app", stereo, 44_100, 2, Encoding.F32LE));
        return streams;
    }

    static List<AudioFrame> frames(String id, float[] interleaved, int rate, int channels, Encoding enc) {
        List<AudioFrame> frames = new ArrayList<>();
        int perFrame = rate / 50 * channels;
        for (int pos = 0, seq = 0; pos < interleaved.length; pos += perFrame, seq++) {
            int n = Math.min(perFrame, interleaved.length - pos);
            frames.add(Contracts.frame(id, "call-1", id, seq, 1_700_000_000_000L + 20L * seq, rate, enc, channels,
                    interleaved, pos, n, pos + n >= interleaved.length));
        }
        return frames;
    }

    /** Frames of all streams interleaved, k-th frame of each in turn, from {@code from} to {@code to} (fraction of each stream). */
    static List<AudioFrame> interleave(List<List<AudioFrame>> streams, double from, double to) {
        List<AudioFrame> out = new ArrayList<>();
        int longest = streams.stream().mapToInt(List::size).max().orElse(0);
        for (int k = 0; k < longest; k++) {
            for (List<AudioFrame> s : streams) {
                int start = (int) Math.round(from * s.size());
                int end = (int) Math.round(to * s.size());
                if (k >= start && k < end) {
                    out.add(s.get(k));
                }
            }
        }
        return out;
    }

    static Map<String, List<EmotionEvent>> byStream(List<ConsumerRecord<String, byte[]>> records) {
        Map<String, List<EmotionEvent>> map = new HashMap<>();
        for (EmotionEvent e : KafkaClients.events(records)) {
            map.computeIfAbsent(e.getStreamId(), k -> new ArrayList<>()).add(e);
        }
        return map;
    }

    static Map<String, List<EmotionEvent>> uninterruptedRun(Path stateDir) throws Exception {
        Map<String, String> s = settings("reference", stateDir);
        try (EmotionService service = EmotionService.start(ServiceConfig.resolve(Map.of(), Map.of(), s))) {
            assertTrue(service.awaitRunning(Duration.ofSeconds(60)));
            KafkaClients.produce(broker.bootstrapServers(), "reference.audio", interleave(speakers(), 0, 1));
            KafkaClients.produceRaw(broker.bootstrapServers(), "reference.audio", "agent", "garbage".getBytes(StandardCharsets.UTF_8));
            var records = KafkaClients.readUntil(broker.bootstrapServers(), "reference.emotions", true,
                    r -> KafkaClients.finals(r) == 3, Duration.ofSeconds(60));
            var letters = KafkaClients.readUntil(broker.bootstrapServers(), "reference.dlq", true,
                    r -> r.size() == 1, Duration.ofSeconds(30));
            assertEquals(1, letters.size());
            assertEquals("undecodable", DeadLetters.header(letters.get(0).headers(), DeadLetters.REASON_HEADER));
            assertEquals(3, service.counters().finalEvents());
            assertEquals(0, service.counters().activeStreams());
            return byStream(records);
        }
    }

    @Test
    void framesInEventsOutThroughARealBrokerAndACrashLosesAndDuplicatesNothing(@TempDir Path tmp) throws Exception {
        Map<String, List<EmotionEvent>> reference = uninterruptedRun(tmp.resolve("reference-state"));
        assertEquals(3, reference.size());
        for (var e : reference.entrySet()) {
            List<EmotionEvent> events = e.getValue();
            assertTrue(events.size() >= 5, e.getKey() + ": " + events.size() + " events");
            assertTrue(events.get(events.size() - 1).getFinal$());
            assertEquals(1, events.stream().filter(EmotionEvent::getFinal$).count());
        }

        // The same audio to an application that is killed (SIGKILL: no close, no commit) mid stream.
        Map<String, String> s = settings("crash", tmp.resolve("crash-state"));
        s.put("commit.interval.ms", "2000"); // a wide-open transaction to lose
        List<List<AudioFrame>> speakers = speakers();
        Process first = startChild(s, tmp.resolve("first.log"));
        try {
            KafkaClients.produce(broker.bootstrapServers(), "crash.audio", interleave(speakers, 0, 0.4));
            // Wait for committed events, then send more and kill before the next commit.
            KafkaClients.readUntil(broker.bootstrapServers(), "crash.emotions", true, r -> r.size() >= 3, Duration.ofSeconds(60));
            KafkaClients.produce(broker.bootstrapServers(), "crash.audio", interleave(speakers, 0.4, 0.7));
            KafkaClients.readUntil(broker.bootstrapServers(), "crash.emotions", false,
                    r -> r.stream().filter(x -> KafkaClients.event(x).getAudioEndMs() > 1500).count() >= 2, Duration.ofSeconds(30));
        } finally {
            first.destroyForcibly();
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        }
        KafkaClients.produce(broker.bootstrapServers(), "crash.audio", interleave(speakers, 0.7, 1));
        Process second = startChild(s, tmp.resolve("second.log"));
        List<ConsumerRecord<String, byte[]>> records;
        try {
            records = KafkaClients.readUntil(broker.bootstrapServers(), "crash.emotions", true,
                    r -> KafkaClients.finals(r) == 3, Duration.ofSeconds(120));
        } finally {
            second.destroy();
            second.waitFor(60, TimeUnit.SECONDS);
        }
        String logs = Files.readString(tmp.resolve("first.log")) + Files.readString(tmp.resolve("second.log"));
        Map<String, List<EmotionEvent>> crashed = byStream(records);
        assertEquals(reference.keySet(), crashed.keySet(), logs);
        for (String id : reference.keySet()) {
            assertSameEvents(id, reference.get(id), crashed.get(id));
        }
        // The kill did catch work in flight: the events topic holds records of an aborted transaction.
        List<ConsumerRecord<String, byte[]>> all = KafkaClients.readUntil(broker.bootstrapServers(), "crash.emotions", false,
                r -> false, Duration.ofSeconds(3));
        assertTrue(all.size() > records.size(), "uncommitted " + all.size() + " vs committed " + records.size());
    }

    /** The real command line, {@code emostream run}, in its own JVM. */
    static Process startChild(Map<String, String> settings, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.util.logging.config.file=" + System.getProperty("java.util.logging.config.file"),
                "dev.emostream.cli.Main", "run", "--status-every-s", "0"));
        settings.forEach((k, v) -> {
            command.add("-s");
            command.add(k + "=" + v);
        });
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // The class path goes in the environment, not on the command line: ONNX Runtime 1.29 crashes
        // (SIGSEGV) while loading in a process whose command line is as long as a full class path.
        builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
        Process p = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (Files.readString(log).contains("emostream is running")) {
                return p;
            }
            if (!p.isAlive()) {
                throw new AssertionError("emostream run exited with " + p.exitValue() + ":\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
        p.destroyForcibly();
        throw new AssertionError("emostream run did not start:\n" + Files.readString(log));
    }
}
