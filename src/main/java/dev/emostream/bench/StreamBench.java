package dev.emostream.bench;

import dev.emostream.audio.DemoSignal;
import dev.emostream.audio.Encoding;
import dev.emostream.audio.SampleEncoder;
import dev.emostream.contract.AudioFrame;
import dev.emostream.contract.Contracts;
import dev.emostream.contract.EmotionEvent;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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

/**
 * N concurrent speakers in real time through a running service: each stream sends a 20 ms frame
 * every 20 ms (16 kHz s16le, voice-like audio; streams staggered over the 20 ms), a consumer reads
 * the events (read_committed) and measures each event's latency from the send of the frame that
 * completed it (the event's last_sequence) to its arrival. The producer and consumer run in this
 * process, so on one machine they share its CPU with the broker and the service.
 */
public final class StreamBench {
    /** What a run measured. */
    public record Result(int streams, double seconds, long framesSent, long eventsReceived, long finalEvents,
                         long p50Ms, long p99Ms, long maxMs, long maxSendLagMs, long latencySamples, long p50DriftMs) {
        public double framesPerSecond() {
            return framesSent / seconds;
        }

        public double eventsPerSecond() {
            return eventsReceived / seconds;
        }

        /**
         * After the warm-up every frame went out at most {@value #MAX_SEND_LAG_MS} ms late, every
         * stream's final event came back, and the p99 latency stayed under the limit.
         */
        public boolean keptUp(long p99LimitMs) {
            return maxSendLagMs <= MAX_SEND_LAG_MS && finalEvents == streams && p99Ms >= 0 && p99Ms <= p99LimitMs;
        }

        public String summary() {
            return String.format(Locale.ROOT, "streams=%d seconds=%.1f frames=%d frames/s=%.0f events=%d events/s=%.1f "
                    + "finals=%d/%d latency_ms p50=%d p99=%d max=%d (n=%d) max_send_lag_ms=%d p50_drift_ms=%+d", streams,
                    seconds, framesSent, framesPerSecond(), eventsReceived, eventsPerSecond(), finalEvents, streams, p50Ms,
                    p99Ms, maxMs, latencySamples, maxSendLagMs, p50DriftMs);
        }
    }

    static final int FRAME_MS = 20;
    /** How late (after the warm-up) a frame may leave before the load generator itself is the bottleneck. */
    static final long MAX_SEND_LAG_MS = 100;

    /** What the speakers send: a few voices, encoded, at one rate (streams start at offsets of their own). */
    public record Audio(byte[][] voices, int rate, Encoding encoding) {
        /** Four generated voice-like signals, 16 kHz s16le. */
        public static Audio generated() {
            return s16le(generatedSignals());
        }

        /** The generated voices as samples: four 8 s voice-like signals at 16 kHz. */
        public static List<float[]> generatedSignals() {
            List<float[]> signals = new ArrayList<>();
            for (int v = 0; v < 4; v++) {
                signals.add(DemoSignal.generate(16_000, 8.0, v + 1));
            }
            return signals;
        }

        /** 16 kHz signals as s16le voices. */
        public static Audio s16le(List<float[]> signals) {
            byte[][] voices = new byte[signals.size()][];
            for (int v = 0; v < voices.length; v++) {
                float[] signal = signals.get(v);
                voices[v] = new byte[signal.length * 2];
                SampleEncoder.encode(Encoding.S16LE, signal, 0, signal.length, voices[v], 0);
            }
            return new Audio(voices, 16_000, Encoding.S16LE);
        }
    }

    private final String bootstrap;
    private final String audioTopic;
    private final String eventsTopic;
    private final int frameMs;
    private final Audio audio;

    public StreamBench(String bootstrap, String audioTopic, String eventsTopic) {
        this(bootstrap, audioTopic, eventsTopic, FRAME_MS, Audio.generated());
    }

    /** With frames of {@code frameMs} of audio each (a media server's choice; 20 ms by default). */
    public StreamBench(String bootstrap, String audioTopic, String eventsTopic, int frameMs, Audio audio) {
        this.bootstrap = bootstrap;
        this.audioTopic = audioTopic;
        this.eventsTopic = eventsTopic;
        this.frameMs = frameMs;
        this.audio = audio;
    }

    /**
     * Runs {@code streams} speakers for {@code seconds}; latencies of events before {@code warmupSeconds}
     * are not counted. Waits up to {@code drainSeconds} for the final events after the last frame.
     */
    public Result run(int streams, double seconds, double warmupSeconds, double drainSeconds) throws InterruptedException {
        int framesPerStream = (int) Math.round(seconds * 1000 / frameMs);
        byte[][] voices = audio.voices();
        long[][] sendTimes = new long[streams][framesPerStream];
        String runId = Long.toString(System.currentTimeMillis(), 36);
        String[] ids = new String[streams];
        for (int i = 0; i < streams; i++) {
            ids[i] = "bench-" + runId + "-" + i;
        }
        LatencyCollector collector = new LatencyCollector(ids, sendTimes);
        Thread consumer = new Thread(collector, "bench-consumer");
        consumer.start();
        collector.awaitAssigned();

        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        long countFrom = start + (long) (warmupSeconds * 1e9);
        collector.countFrom(countFrom);
        long maxLag = 0;
        long sent = 0;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 2,
                ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.BATCH_SIZE_CONFIG, 262_144),
                new StringSerializer(), new ByteArraySerializer())) {
            long total = (long) streams * framesPerStream;
            long k = 0;
            while (k < total) {
                // Send in 1 ms ticks: everything due by now goes out together (parking per frame
                // would spin a core at thousands of frames per second).
                long now = System.nanoTime();
                while (k < total) {
                    int stream = (int) (k % streams);
                    int seq = (int) (k / streams);
                    long due = start + TimeUnit.MILLISECONDS.toNanos((long) seq * frameMs)
                            + TimeUnit.MICROSECONDS.toNanos((long) stream * frameMs * 1000 / streams);
                    if (due > now) {
                        break;
                    }
                    if (due >= countFrom) {
                        maxLag = Math.max(maxLag, TimeUnit.NANOSECONDS.toMillis(now - due));
                    }
                    sendTimes[stream][seq] = System.nanoTime();
                    producer.send(new ProducerRecord<>(audioTopic, ids[stream], frame(ids[stream], voices[stream % voices.length],
                            stream, seq, seq == framesPerStream - 1)));
                    sent++;
                    k++;
                }
                LockSupport.parkNanos(TICK_NANOS);
            }
            producer.flush();
        }
        collector.awaitFinals(streams, Duration.ofMillis((long) (drainSeconds * 1000)));
        collector.stop();
        consumer.join(10_000);
        long[] latencies = collector.latencies();
        long drift = p50Drift(latencies);
        Arrays.sort(latencies);
        return new Result(streams, seconds, sent, collector.events.get(), collector.finals.get(),
                percentile(latencies, 0.50), percentile(latencies, 0.99),
                latencies.length == 0 ? -1 : latencies[latencies.length - 1], maxLag, latencies.length, drift);
    }

    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** Frame {@code seq} of a stream: 20 ms of its voice, from an offset of its own. */
    private byte[] frame(String id, byte[] voice, int stream, int seq, boolean last) {
        int sampleBytes = audio.encoding().bytesPerSample();
        int frameBytes = audio.rate() * frameMs / 1000 * sampleBytes;
        int offset = (int) (((long) stream * 7919 + (long) seq) * frameBytes % (voice.length - frameBytes));
        offset -= offset % sampleBytes;
        return Contracts.encode(AudioFrame.newBuilder()
                .setStreamId(id)
                .setSequence(seq)
                .setCaptureTime(Instant.ofEpochMilli(System.currentTimeMillis()))
                .setSampleRate(audio.rate())
                .setEncoding(audio.encoding().name().toLowerCase(Locale.ROOT))
                .setChannels(1)
                .setPayload(ByteBuffer.wrap(voice, offset, frameBytes).slice())
                .setEndOfStream(last)
                .build());
    }

    /**
     * The median latency of the last quarter of the events (in arrival order) minus that of the first
     * quarter: near 0 when the service keeps up, growing with the run when it falls behind. With the
     * VAD on, whose confirmation wait puts p99 above the real-time limit by design, this is what tells
     * "keeps up" from "falls behind". 0 with fewer than 8 events.
     */
    static long p50Drift(long[] inArrivalOrder) {
        int quarter = inArrivalOrder.length / 4;
        if (quarter < 2) {
            return 0;
        }
        long[] first = Arrays.copyOfRange(inArrivalOrder, 0, quarter);
        long[] last = Arrays.copyOfRange(inArrivalOrder, inArrivalOrder.length - quarter, inArrivalOrder.length);
        Arrays.sort(first);
        Arrays.sort(last);
        return percentile(last, 0.50) - percentile(first, 0.50);
    }

    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return -1;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    /** Reads the events topic from its end, matches events to frame send times. */
    private final class LatencyCollector implements Runnable {
        private final Map<String, Integer> index = new java.util.HashMap<>();
        private final long[][] sendTimes;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong events = new AtomicLong();
        private final AtomicLong finals = new AtomicLong();
        private final java.util.concurrent.CountDownLatch assigned = new java.util.concurrent.CountDownLatch(1);
        private final List<Long> latencies = new ArrayList<>();
        private volatile long countFrom;

        LatencyCollector(String[] ids, long[][] sendTimes) {
            for (int i = 0; i < ids.length; i++) {
                index.put(ids[i], i);
            }
            this.sendTimes = sendTimes;
        }

        void countFrom(long nanos) {
            countFrom = nanos;
        }

        void awaitAssigned() throws InterruptedException {
            assigned.await(60, TimeUnit.SECONDS);
        }

        void awaitFinals(int expected, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (finals.get() < expected && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }

        void stop() {
            running.set(false);
        }

        synchronized long[] latencies() {
            return latencies.stream().mapToLong(Long::longValue).toArray();
        }

        @Override
        public void run() {
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = new ArrayList<>();
                consumer.partitionsFor(eventsTopic, Duration.ofSeconds(30))
                        .forEach(p -> partitions.add(new TopicPartition(eventsTopic, p.partition())));
                consumer.assign(partitions);
                consumer.seekToEnd(partitions);
                partitions.forEach(consumer::position); // resolve the end offsets now, before frames go out
                assigned.countDown();
                while (running.get()) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                        long arrived = System.nanoTime();
                        Integer stream = index.get(r.key());
                        if (stream == null) {
                            continue;
                        }
                        EmotionEvent e;
                        try {
                            e = Contracts.decodeEvent(r.value());
                        } catch (java.io.IOException ex) {
                            continue;
                        }
                        events.incrementAndGet();
                        if (e.getFinal$()) {
                            finals.incrementAndGet();
                            continue; // the final event waits for the end-of-stream frame: no hop latency
                        }
                        long sentAt = sendTimes[stream][(int) e.getLastSequence()];
                        if (sentAt >= countFrom) {
                            synchronized (this) {
                                latencies.add(TimeUnit.NANOSECONDS.toMillis(arrived - sentAt));
                            }
                        }
                    }
                }
            }
        }
    }
}
