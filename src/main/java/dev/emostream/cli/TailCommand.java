package dev.emostream.cli;

import dev.emostream.contract.Contracts;
import dev.emostream.contract.EmotionEvent;
import dev.emostream.service.ServiceConfig;
import dev.emostream.stream.DeadLetters;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code emostream tail}: prints emotion events (or dead letters) as they arrive. */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = {"Prints EmotionEvents as they arrive, one line each: stream, audio span, label, confidence, "
                + "latency; final events are marked. Only committed events are shown (read_committed).",
            "With --dead-letters: the refused input records with their reasons."})
final class TailCommand implements Callable<Integer> {
    @Option(names = "--from-beginning", description = "Start at the oldest event, not the next one.")
    boolean fromBeginning;

    @Option(names = "--stream-id", paramLabel = "ID", description = "Only this stream's events.")
    String streamId;

    @Option(names = "--call-id", paramLabel = "ID", description = "Only this call's events.")
    String callId;

    @Option(names = "--dead-letters", description = "Tail the dead-letter topic instead.")
    boolean deadLetters;

    @Option(names = "--topic", paramLabel = "TOPIC",
            description = "Topic to read (default: emostream.emotions, or emostream.audio.dlq with --dead-letters).")
    String topic;

    @Option(names = "--max-events", paramLabel = "N", description = "Exit after N records (default: never).")
    Long maxEvents;

    /** About three years: a longer timeout would overflow the deadline's nanoseconds. */
    static final double MAX_TIMEOUT_S = 1e8;

    @Option(names = "--timeout-s", paramLabel = "S", description = "Exit after S seconds (default: never).")
    Double timeoutSeconds;

    @Mixin
    KafkaOptions kafka;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Override
    public Integer call() {
        if (maxEvents != null && maxEvents < 1 || timeoutSeconds != null && !(timeoutSeconds > 0 && timeoutSeconds <= MAX_TIMEOUT_S)) {
            throw new ParameterException(commandSpec.commandLine(), "--max-events must be positive and --timeout-s in (0, "
                    + MAX_TIMEOUT_S + "]");
        }
        String name = topic != null ? topic
                : deadLetters ? ServiceConfig.Key.TOPIC_DLQ.defaultValue() : ServiceConfig.Key.TOPIC_EMOTIONS.defaultValue();
        PrintWriter out = commandSpec.commandLine().getOut();
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Waiting for a topic must not create it with the broker's defaults (one partition, 1 MB
        // records): the service creates its topics with its own settings, and never changes them.
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        long deadline = timeoutSeconds == null ? Long.MAX_VALUE : System.nanoTime() + (long) (timeoutSeconds * 1e9);
        long printed = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = partitions(consumer, name, deadline);
            if (partitions == null) {
                throw new IllegalStateException("topic " + name + " does not exist on " + kafka.bootstrap()
                        + " (is 'emostream run' started?)");
            }
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            while (System.nanoTime() < deadline && (maxEvents == null || printed < maxEvents)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String line = deadLetters ? deadLetter(r) : event(r);
                    if (line != null && (maxEvents == null || printed < maxEvents)) {
                        out.println(line);
                        out.flush();
                        printed++;
                    }
                }
            }
        }
        return 0;
    }

    /** The topic's partitions, waiting for the topic to appear (the service creates it) until the deadline or 30 s. */
    private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> consumer, String topic, long deadline) {
        long until = Math.min(deadline, System.nanoTime() + 30_000_000_000L);
        while (true) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos != null && !infos.isEmpty()) {
                List<TopicPartition> partitions = new ArrayList<>();
                infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
                return partitions;
            }
            if (System.nanoTime() > until) {
                return null;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    private String event(ConsumerRecord<String, byte[]> r) {
        EmotionEvent e;
        try {
            e = Contracts.decodeEvent(r.value());
        } catch (Exception ex) {
            return "offset " + r.offset() + ": not an EmotionEvent (" + ex.getMessage() + ")";
        }
        if (streamId != null && !streamId.equals(e.getStreamId()) || callId != null && !callId.equals(e.getCallId())) {
            return null;
        }
        return format(e);
    }

    static String format(EmotionEvent e) {
        String who = e.getStreamId() + (e.getCallId() == null ? "" : " (call " + e.getCallId() + ")");
        String what = e.getLabel() == null ? (e.getSpeech() ? "-" : "(silence)")
                : String.format(Locale.ROOT, "%-9s %.2f", e.getLabel(), e.getConfidence());
        // the event's own number (0 = the stream's first utterance), as in its JSON and in `classify`
        String n = e.getUtterance() == null ? "?" : String.valueOf(e.getUtterance());
        String kind = switch (e.getEventType()) {
            case "utterance_start" -> "  [utterance " + n + " starts]";
            case "utterance_end" -> "  [utterance " + n + ": its mean]";
            default -> "";
        };
        return String.format(Locale.ROOT, "%s  %7.2f-%7.2f s  %s  latency %d ms%s%s", who, e.getAudioStartMs() / 1000.0,
                e.getAudioEndMs() / 1000.0, what, e.getProcessingLatencyMs(), kind,
                e.getFinal$() ? "  [final: " + e.getFinalReason() + "]" : "");
    }

    private static String deadLetter(ConsumerRecord<String, byte[]> r) {
        return String.format(Locale.ROOT, "key %s  %s: %s  (%s, %d bytes)", r.key(),
                DeadLetters.header(r.headers(), DeadLetters.REASON_HEADER),
                DeadLetters.header(r.headers(), DeadLetters.DETAIL_HEADER),
                DeadLetters.header(r.headers(), DeadLetters.SOURCE_HEADER), r.value() == null ? 0 : r.value().length);
    }
}
