package dev.emostream.cli;

import dev.emostream.audio.DemoSignal;
import dev.emostream.audio.Encoding;
import dev.emostream.audio.WavAudio;
import dev.emostream.audio.WavReader;
import dev.emostream.contract.AudioFrame;
import dev.emostream.contract.Contracts;
import dev.emostream.service.ServiceConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code emostream produce}: publishes audio files as AudioFrames, as a media server would. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = {"Publishes WAV files as AudioFrames (keyed by stream id, numbered from 0, the last frame "
                + "marking the end of the stream) to the audio topic, as a media server would.",
            "Several files are several concurrent streams, sent interleaved frame by frame."})
final class ProduceCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE.wav", arity = "0..*",
            description = "WAV files (8-48 kHz; s16le, f32le, mu-law or A-law; any channel count).")
    List<Path> files = new ArrayList<>();

    @Option(names = "--generate", paramLabel = "SECONDS",
            description = "Instead of files: a generated voice-like 16 kHz signal of this length (synthetic vowels, no real emotion).")
    Double generateSeconds;

    @Option(names = "--stream-id", paramLabel = "ID",
            description = "Stream id (several files: ID-1, ID-2, ...). Default: each file's name without extension.")
    String streamId;

    @Option(names = "--call-id", paramLabel = "ID", description = "Call id of the streams (default: none).")
    String callId;

    @Option(names = "--role", paramLabel = "ROLE", description = "Role of the speakers, e.g. customer (default: none).")
    String role;

    @Option(names = "--frame-ms", paramLabel = "MS", defaultValue = "20", description = "Audio per frame (default: ${DEFAULT-VALUE}).")
    int frameMs;

    @Option(names = "--realtime", description = "Send at the audio's pace (a frame every --frame-ms), as a live call would.")
    boolean realtime;

    @Option(names = "--encoding", paramLabel = "ENC",
            description = "Re-encode as s16le, f32le, mulaw or alaw (default: the file's own encoding).")
    String encoding;

    @Option(names = "--no-end", description = "Do not mark the last frame as the end of the stream (it then ends by idle timeout).")
    boolean noEnd;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "Audio topic (default: " + "emostream.audio" + ").")
    String topic = ServiceConfig.Key.TOPIC_AUDIO.defaultValue();

    @Option(names = "--topic-wait-s", paramLabel = "S", defaultValue = "30",
            description = "How long to wait for the topic to exist (the service creates it; produce never does). Default: ${DEFAULT-VALUE}.")
    int topicWaitSeconds;

    @Mixin
    KafkaOptions kafka;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    /** One stream to send: its id and its audio. */
    record Source(String streamId, WavAudio audio) {
    }

    @Override
    public Integer call() throws Exception {
        if (topicWaitSeconds < 0 || topicWaitSeconds > 3600) {
            throw new ParameterException(commandSpec.commandLine(), "--topic-wait-s must be in [0, 3600], got " + topicWaitSeconds);
        }
        if (frameMs < 1 || frameMs > 1_000) {
            // Longer frames would pass the service's frame.max.bytes (256 KiB) at high rates anyway.
            throw new ParameterException(commandSpec.commandLine(), "--frame-ms must be in [1, 1000], got " + frameMs);
        }
        if (files.isEmpty() == (generateSeconds == null)) {
            throw new ParameterException(commandSpec.commandLine(), "give WAV files or --generate SECONDS (one of the two)");
        }
        if (generateSeconds != null && (generateSeconds <= 0 || generateSeconds > 3600)) {
            throw new ParameterException(commandSpec.commandLine(), "--generate must be in (0, 3600] seconds, got " + generateSeconds);
        }
        Encoding forced = null;
        if (encoding != null) {
            try {
                forced = Encoding.parse(encoding);
            } catch (dev.emostream.audio.AudioFormatException e) {
                throw new ParameterException(commandSpec.commandLine(), e.getMessage());
            }
        }
        List<Source> sources = sources();
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (Source s : sources) {
            if (!ids.add(s.streamId())) {
                throw new ParameterException(commandSpec.commandLine(), "two files would be stream " + s.streamId()
                        + " (same file name): give --stream-id ID to number them ID-1, ID-2, ...");
            }
        }
        PrintWriter out = commandSpec.commandLine().getOut();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, realtime ? 0 : 5);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        kafka.awaitTopic(topic, java.time.Duration.ofSeconds(topicWaitSeconds));
        long frames = 0;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            frames = send(producer, sources, forced, out);
        }
        out.printf(Locale.ROOT, "%d frame(s) of %d stream(s) sent to %s on %s%n", frames, sources.size(), topic, kafka.bootstrap());
        return 0;
    }

    private List<Source> sources() throws java.io.IOException {
        List<Source> sources = new ArrayList<>();
        if (generateSeconds != null) {
            float[] voice = DemoSignal.generate(16_000, generateSeconds, 1);
            sources.add(new Source(streamId == null ? "demo" : streamId, new WavAudio(16_000, 1, Encoding.S16LE, voice)));
            return sources;
        }
        WavReader reader = new WavReader();
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            String id;
            if (streamId == null) {
                String name = f.getFileName().toString();
                id = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
            } else {
                id = files.size() == 1 ? streamId : streamId + "-" + (i + 1);
            }
            sources.add(new Source(id, reader.read(f)));
        }
        return sources;
    }

    /** Frame k of every stream, then frame k + 1 ...: the streams run side by side. */
    private long send(KafkaProducer<String, byte[]> producer, List<Source> sources, Encoding forced, PrintWriter out)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        long start = System.currentTimeMillis(); // capture times
        long startNanos = System.nanoTime();     // pacing: a wall-clock step must not stall or burst it
        long sent = 0;
        List<Future<RecordMetadata>> pending = new ArrayList<>();
        for (long k = 0; ; k++) {
            boolean any = false;
            if (realtime) {
                long wait = startNanos + k * frameMs * 1_000_000L - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            for (Source s : sources) {
                WavAudio a = s.audio();
                // Frame k is the audio of [k, k + 1) x frame-ms exactly: where that is not a whole
                // number of samples (11025 Hz, 20 ms) frames differ by one sample, and the stream
                // keeps real time instead of drifting behind.
                long first = k * a.sampleRate() * frameMs / 1000;
                if (first >= a.frames()) {
                    continue;
                }
                any = true;
                int n = (int) Math.min((k + 1) * a.sampleRate() * frameMs / 1000 - first, a.frames() - first);
                boolean last = first + n >= a.frames();
                AudioFrame frame = Contracts.frame(s.streamId(), callId, role, k, start + k * frameMs, a.sampleRate(),
                        forced != null ? forced : a.encoding(), a.channels(), a.samples(), (int) first * a.channels(),
                        n * a.channels(), last && !noEnd);
                pending.add(producer.send(new ProducerRecord<>(topic, s.streamId(), Contracts.encode(frame))));
                sent++;
            }
            if (!any) {
                break;
            }
            if (pending.size() >= 1000) {
                await(pending);
            }
        }
        producer.flush();
        await(pending);
        for (Source s : sources) {
            out.printf(Locale.ROOT, "stream %s: %.2f s of %d Hz %s audio%n", s.streamId(), s.audio().durationSeconds(),
                    s.audio().sampleRate(), (forced != null ? forced : s.audio().encoding()).name().toLowerCase(Locale.ROOT));
        }
        return sent;
    }

    /** Surfaces a failed send (unreachable broker, missing topic) as this command's error. */
    private static void await(List<Future<RecordMetadata>> pending)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        for (Future<RecordMetadata> f : pending) {
            f.get(60, TimeUnit.SECONDS);
        }
        pending.clear();
    }
}
