package dev.emostream.service;

import dev.emostream.kafka.EmbeddedKafka;
import dev.emostream.model.EmotionModel;
import dev.emostream.vad.SileroVad;
import dev.emostream.vad.VadSettings;
import dev.emostream.vad.VoiceActivity;
import dev.emostream.model.ExecutionProvider;
import dev.emostream.stream.EmotionTopology;
import dev.emostream.stream.StreamCounters;
import dev.emostream.stream.TopologySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * The running service: the embedded broker when no cluster is configured, the model, the topics,
 * and the Kafka Streams application on the emotion topology. {@link #start} and {@link #close} are
 * all a caller needs.
 */
public final class EmotionService implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EmotionService.class.getName());

    private final ServiceConfig config;
    private final EmbeddedKafka broker;
    private final EmotionModel model;
    private final VoiceActivity voice;   // null with vad.enabled=false
    private final KafkaStreams streams;
    private final StreamCounters counters;
    private final String bootstrapServers;

    private EmotionService(ServiceConfig config, EmbeddedKafka broker, EmotionModel model, VoiceActivity voice,
                           KafkaStreams streams, StreamCounters counters, String bootstrapServers) {
        this.config = config;
        this.broker = broker;
        this.model = model;
        this.voice = voice;
        this.streams = streams;
        this.counters = counters;
        this.bootstrapServers = bootstrapServers;
    }

    public static EmotionService start(ServiceConfig config) {
        EmbeddedKafka broker = null;
        EmotionModel model = null;
        VoiceActivity voice = null;
        try {
            // The model and the VAD first: settings that do not fit them refuse the start before a
            // broker is started or a topic created.
            model = loadModel(config);
            voice = loadVoiceActivity(config, model.descriptor().featureSpec());
            if (config.embedded()) {
                String dir = config.get(ServiceConfig.Key.EMBEDDED_DIR);
                broker = dir.isEmpty()
                        ? EmbeddedKafka.start(config.getInt(ServiceConfig.Key.EMBEDDED_PORT), Files.createTempDirectory("emostream-kafka-"), true)
                        : EmbeddedKafka.start(config.getInt(ServiceConfig.Key.EMBEDDED_PORT), Path.of(dir), false);
            }
            String bootstrap = broker != null ? broker.bootstrapServers() : config.get(ServiceConfig.Key.BOOTSTRAP_SERVERS);
            createTopics(config, bootstrap);
            StreamCounters counters = new StreamCounters();
            KafkaStreams streams = new KafkaStreams(
                    EmotionTopology.build(topologySettings(config), model, voice, counters), streamsProperties(config, bootstrap));
            streams.setUncaughtExceptionHandler(new ThreadFailurePolicy(5, Duration.ofMinutes(10)));
            try {
                streams.start();
            } catch (RuntimeException e) {
                streams.close(Duration.ofSeconds(10));
                throw e;
            }
            return new EmotionService(config, broker, model, voice, streams, counters, bootstrap);
        } catch (java.io.IOException e) {
            closeQuietly(model, voice, broker);
            throw new java.io.UncheckedIOException("cannot create the embedded broker's directory", e);
        } catch (RuntimeException e) {
            closeQuietly(model, voice, broker);
            throw e;
        }
    }

    private static void closeQuietly(EmotionModel model, VoiceActivity voice, EmbeddedKafka broker) {
        if (model != null) {
            model.close();
        }
        if (voice != null) {
            voice.model().close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /**
     * The checks {@link #start} makes before it starts anything: the model loads with these settings
     * and the VAD settings fit it and the queue limit. For `run --print-config`, which must refuse
     * what `run` would refuse.
     *
     * @throws IllegalArgumentException naming the problem
     */
    public static void checkFits(ServiceConfig config) {
        try (EmotionModel model = loadModel(config)) {
            VoiceActivity voice = loadVoiceActivity(config, model.descriptor().featureSpec());
            if (voice != null) {
                voice.model().close();
            }
        }
    }

    static EmotionModel loadModel(ServiceConfig config) {
        ExecutionProvider provider = ExecutionProvider.parse(config.get(ServiceConfig.Key.MODEL_PROVIDER));
        int threads = config.getInt(ServiceConfig.Key.MODEL_THREADS);
        String path = config.get(ServiceConfig.Key.MODEL_PATH);
        return path.isEmpty() ? EmotionModel.loadBundled(provider, threads) : EmotionModel.load(Path.of(path), provider, threads);
    }

    /** The VAD and its settings, or null when vad.enabled is false. */
    static VoiceActivity loadVoiceActivity(ServiceConfig c, dev.emostream.features.FeatureSpec spec) {
        if (!c.getBoolean(ServiceConfig.Key.VAD_ENABLED)) {
            LOG.log(System.Logger.Level.INFO, "voice activity detection off: every frame of audio reaches the model");
            return null;
        }
        if (spec.sampleRate() != SileroVad.SAMPLE_RATE) {
            // The gate lines the VAD's 16 kHz decisions up with the feature frames (else every stream would fail).
            throw new IllegalArgumentException("the model's features are at " + spec.sampleRate() + " Hz; voice activity "
                    + "detection needs a model with " + SileroVad.SAMPLE_RATE + " Hz features (or set vad.enabled=false)");
        }
        int hopLength = spec.hopLength();
        VadSettings settings = vadSettings(c);
        // Frames wait in the gate until the VAD decides; the queue limit must leave room for that wait
        // plus the model's queue and a frame (else a stream would be refused until it idles out).
        int frames = c.getInt(ServiceConfig.Key.STREAM_MAX_QUEUED_FRAMES);
        long undecided = settings.maxUndecidedSamples() / hopLength + 1;
        long needed = settings.minQueuedFrames(hopLength);
        long most = ServiceConfig.Key.STREAM_MAX_QUEUED_FRAMES.max();
        if (needed > most) {
            // No queue limit can fit these: say which settings to lower rather than one that cannot be set.
            throw new IllegalArgumentException("these vad.* settings (min speech " + settings.minSpeechMs() + " ms, min silence "
                    + settings.minSilenceMs() + " ms, speech pad " + settings.speechPadMs() + " ms) need a stream to queue "
                    + needed + " feature frames, more than stream.max.queued.frames may be (" + most
                    + "): lower vad.min.speech.ms, vad.min.silence.ms or vad.speech.pad.ms");
        }
        if (frames < needed) {
            throw new IllegalArgumentException("stream.max.queued.frames is " + frames + "; with these vad.* settings (min speech "
                    + settings.minSpeechMs() + " ms, min silence " + settings.minSilenceMs() + " ms) up to "
                    + undecided + " frames wait for the VAD's decision: set it to at least " + needed);
        }
        return new VoiceActivity(SileroVad.loadBundled(c.getInt(ServiceConfig.Key.MODEL_THREADS)), settings);
    }

    /** @throws IllegalArgumentException naming the keys when the VAD settings do not fit together */
    public static VadSettings vadSettings(ServiceConfig c) {
        try {
            return new VadSettings(c.getDouble(ServiceConfig.Key.VAD_THRESHOLD), c.getDouble(ServiceConfig.Key.VAD_NEGATIVE_THRESHOLD),
                    c.getInt(ServiceConfig.Key.VAD_MIN_SPEECH_MS), c.getInt(ServiceConfig.Key.VAD_MIN_SILENCE_MS),
                    c.getInt(ServiceConfig.Key.VAD_SPEECH_PAD_MS), c.getBoolean(ServiceConfig.Key.VAD_RESET_PER_UTTERANCE),
                    c.get(ServiceConfig.Key.VAD_QUIET_FLOOR_DBFS).equals("off") ? VadSettings.NO_QUIET_FLOOR
                            : c.getDouble(ServiceConfig.Key.VAD_QUIET_FLOOR_DBFS),
                    c.getBoolean(ServiceConfig.Key.VAD_NATIVE_8K));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("vad.* settings: " + e.getMessage(), e);
        }
    }

    public static TopologySettings topologySettings(ServiceConfig c) {
        return new TopologySettings(
                c.get(ServiceConfig.Key.TOPIC_AUDIO), c.get(ServiceConfig.Key.TOPIC_EMOTIONS), c.get(ServiceConfig.Key.TOPIC_DLQ),
                c.getLong(ServiceConfig.Key.EVENT_HOP_MS), c.getLong(ServiceConfig.Key.IDLE_TIMEOUT_MS),
                c.getLong(ServiceConfig.Key.IDLE_CHECK_INTERVAL_MS), c.getLong(ServiceConfig.Key.INFERENCE_INTERVAL_MS),
                c.getInt(ServiceConfig.Key.INFERENCE_MAX_BATCH), c.getInt(ServiceConfig.Key.FRAME_MAX_BYTES),
                c.getInt(ServiceConfig.Key.FRAME_MAX_CHANNELS), c.getInt(ServiceConfig.Key.STREAM_MAX_QUEUED_FRAMES),
                c.getLong(ServiceConfig.Key.STREAMS_MAX_ACTIVE), c.getLong(ServiceConfig.Key.LATEST_RETENTION_MS));
    }

    static Properties streamsProperties(ServiceConfig c, String bootstrap) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, c.get(ServiceConfig.Key.APPLICATION_ID));
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, c.get(ServiceConfig.Key.PROCESSING_GUARANTEE));
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, c.getLong(ServiceConfig.Key.COMMIT_INTERVAL_MS));
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, c.getInt(ServiceConfig.Key.NUM_STREAM_THREADS));
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, c.getLong(ServiceConfig.Key.CACHE_MAX_BYTES));
        if (!c.get(ServiceConfig.Key.APPLICATION_SERVER).isEmpty()) {
            p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, c.get(ServiceConfig.Key.APPLICATION_SERVER));
        }
        if (!c.get(ServiceConfig.Key.STATE_DIR).isEmpty()) {
            p.put(StreamsConfig.STATE_DIR_CONFIG, c.get(ServiceConfig.Key.STATE_DIR));
        }
        // A stream thread with no records waits in poll() for up to poll.ms (default 100 ms), and
        // wall-clock punctuators (inference, every inference.interval.ms) only run between polls:
        // when frames come in bursts (100 ms frames, a few streams per thread) events would wait for
        // the next burst. Polling at the inference interval bounds that wait.
        p.put(StreamsConfig.POLL_MS_CONFIG, c.getLong(ServiceConfig.Key.INFERENCE_INTERVAL_MS));
        // Events are latency-bound: do not hold them back for batching (Kafka Streams' default is 100 ms).
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        // A dead letter is the input record plus headers: room for an input record at the 1 MiB default.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), DEAD_LETTER_MAX_BYTES);
        p.putAll(c.kafkaOverrides());
        return p;
    }

    /** Largest record the dead-letter topic takes when emostream creates it (and the producer sends). */
    static final int DEAD_LETTER_MAX_BYTES = 2 << 20;

    public static void createTopics(ServiceConfig c, String bootstrap) {
        Map<String, Object> adminConfig = new java.util.HashMap<>(c.kafkaOverrides());
        adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(adminConfig)) {
            int partitions = c.getInt(ServiceConfig.Key.TOPIC_PARTITIONS);
            int replication = c.getInt(ServiceConfig.Key.TOPIC_REPLICATION_FACTOR);
            Topics.ensure(admin, List.of(c.get(ServiceConfig.Key.TOPIC_AUDIO), c.get(ServiceConfig.Key.TOPIC_EMOTIONS)),
                    partitions, replication, Map.of());
            Topics.ensure(admin, List.of(c.get(ServiceConfig.Key.TOPIC_DLQ)), partitions, replication,
                    Map.of("max.message.bytes", String.valueOf(DEAD_LETTER_MAX_BYTES)));
        }
    }

    /** Waits until the Streams application is running (tasks assigned and restored). */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            KafkaStreams.State state = streams.state();
            if (state == KafkaStreams.State.RUNNING) {
                return true;
            }
            if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        return false;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public boolean embedded() {
        return broker != null;
    }

    public ServiceConfig config() {
        return config;
    }

    public StreamCounters counters() {
        return counters;
    }

    public KafkaStreams streams() {
        return streams;
    }

    public EmotionModel model() {
        return model;
    }

    @Override
    public void close() {
        try {
            if (streams.close(Duration.ofSeconds(30))) {
                model.close();
                if (voice != null) {
                    voice.model().close();
                }
            } else {
                // A stream thread may still be inside an ONNX call: freeing the session under it
                // would be a native use-after-free. The process is ending anyway.
                LOG.log(System.Logger.Level.WARNING, "Kafka Streams did not stop within 30 s; the model is left open");
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    /**
     * A failed stream thread is replaced (it resumes from the last commit) unless threads keep
     * failing: a failure that recurs on the same input would otherwise loop forever.
     */
    static final class ThreadFailurePolicy implements StreamsUncaughtExceptionHandler {
        private final int maxFailures;
        private final Duration window;
        private final java.util.ArrayDeque<Long> failures = new java.util.ArrayDeque<>();

        ThreadFailurePolicy(int maxFailures, Duration window) {
            this.maxFailures = maxFailures;
            this.window = window;
        }

        @Override
        public synchronized StreamThreadExceptionResponse handle(Throwable e) {
            long now = System.nanoTime();
            failures.addLast(now);
            while (now - failures.peekFirst() > window.toNanos()) {
                failures.pollFirst();
            }
            if (failures.size() > maxFailures) {
                LOG.log(System.Logger.Level.ERROR, "stream threads failed " + failures.size() + " times within " + window
                        + ", shutting the service down: " + e, e);
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
            // Bad records never get here (the processor dead-letters them): this is a bug or an
            // infrastructure failure. A fresh thread resumes from the last commit.
            LOG.log(System.Logger.Level.ERROR, "stream thread failed, replacing it: " + e, e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
    }
}
