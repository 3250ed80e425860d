package dev.emostream.service;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Every setting of the stream service, with its default, in one place. Values come from, lowest
 * precedence first: the defaults below, a properties file ({@code --config}), the environment
 * ({@code EMOSTREAM_TOPIC_AUDIO} for {@code topic.audio}; {@code KAFKA_BOOTSTRAP_SERVERS} too), and
 * command-line flags. Keys starting with {@code kafka.} pass through to Kafka Streams and its
 * clients with the prefix removed (security settings, for example). An unknown key or a value out of
 * range is refused with a message naming it, before anything starts.
 */
public final class ServiceConfig {

    /** A setting: name, default, what it means, and for numbers the accepted range. */
    public enum Key {
        BOOTSTRAP_SERVERS("bootstrap.servers", "", "Kafka cluster to use; empty starts an embedded one-node broker on 127.0.0.1 (demo mode)"),
        EMBEDDED_PORT("embedded.port", "9092", "client port of the embedded broker (0: any free port)", 0, 65535),
        EMBEDDED_DIR("embedded.dir", "", "log directory of the embedded broker; empty: a temporary directory deleted at exit"),
        APPLICATION_ID("application.id", "emostream", "Kafka Streams application id: instances with the same id share the work"),
        TOPIC_AUDIO("topic.audio", "emostream.audio", "input topic of AudioFrame records, keyed by stream id"),
        TOPIC_EMOTIONS("topic.emotions", "emostream.emotions", "output topic of EmotionEvent records, keyed by stream id"),
        TOPIC_DLQ("topic.dlq", "emostream.audio.dlq", "dead-letter topic: refused input records with a reason header"),
        TOPIC_PARTITIONS("topic.partitions", "4", "partitions of the topics this service creates when missing", 1, 10_000),
        TOPIC_REPLICATION_FACTOR("topic.replication.factor", "-1", "replication factor of created topics (-1: the broker's default)", -1, 32),
        EVENT_HOP_MS("event.hop.ms", "500", "an EmotionEvent every this many ms of a stream's audio", 40, 600_000),
        IDLE_TIMEOUT_MS("idle.timeout.ms", "30000", "a stream without frames for this long (wall clock) gets its final event and is evicted", 100, 86_400_000),
        IDLE_CHECK_INTERVAL_MS("idle.check.interval.ms", "1000", "how often idle streams are looked for (wall clock)", 10, 3_600_000),
        INFERENCE_INTERVAL_MS("inference.interval.ms", "10", "how often the streams of a task with complete model steps are run, all in one batched ONNX call (wall clock)", 1, 10_000),
        INFERENCE_MAX_BATCH("inference.max.batch", "256", "most streams in one ONNX call", 1, 65_536),
        FRAME_MAX_BYTES("frame.max.bytes", "262144", "largest AudioFrame payload; larger ones go to the dead-letter topic (at least gateway.max.message.bytes)", 1, 1 << 20),
        FRAME_MAX_CHANNELS("frame.max.channels", "8", "most interleaved channels in a frame", 1, 32),
        STREAM_MAX_QUEUED_FRAMES("stream.max.queued.frames", "1000", "feature frames (10 ms each) a stream may hold before inference; a frame that would pass it goes to the dead-letter topic (at most 2000, so a stream's state record stays well under Kafka's 1 MiB record limit; with the VAD on, at least what its decision wait needs: 319 at the default vad.* settings, and `run` names the figure for others)", 64, 2_000),
        STREAMS_MAX_ACTIVE("streams.max.active", "10000", "streams one instance holds at once; frames of further new streams go to the dead-letter topic", 1, 10_000_000),
        MODEL_PATH("model.path", "", "model descriptor JSON (the .onnx beside it); empty: the model bundled in the jar"),
        MODEL_PROVIDER("model.provider", "auto", "ONNX Runtime execution provider: auto (CUDA when present), cuda or cpu"),
        MODEL_THREADS("model.threads", "1", "ONNX Runtime intra-op threads per call", 1, 256),
        VAD_ENABLED("vad.enabled", "true", "voice activity detection (Silero VAD): emotion over speech only, utterance start/end events; false: every frame of audio reaches the model"),
        VAD_THRESHOLD("vad.threshold", "0.3", "speech probability at or above which a 32 ms window is speech (silero-vad's own default is 0.5, which misses much quiet, sad speech) (0.01 to 0.99)"),
        VAD_NEGATIVE_THRESHOLD("vad.negative.threshold", "0.2", "speech probability below which a window is silence; between the two thresholds a window continues what is going on (hysteresis) (0.01 to 0.99, at most vad.threshold)"),
        VAD_MIN_SPEECH_MS("vad.min.speech.ms", "250", "speech that confirms an utterance (shorter bursts: clicks, coughs, are dropped; the first frames of an utterance wait this long); with vad.min.silence.ms and vad.speech.pad.ms it sets the frames a stream must be able to queue, so together they must fit stream.max.queued.frames (at its maximum: twice this plus vad.min.silence.ms plus vad.speech.pad.ms under about 17.9 s)", 0, 10_000),
        VAD_MIN_SILENCE_MS("vad.min.silence.ms", "500", "silence that ends an utterance", 32, 10_000),
        VAD_SPEECH_PAD_MS("vad.speech.pad.ms", "100", "audio kept for the model before and after an utterance's speech (at most half of vad.min.silence.ms)", 0, 1_000),
        VAD_RESET_PER_UTTERANCE("vad.reset.per.utterance", "true", "true: the model's state (LSTM and running normalisation) starts afresh with each utterance; false: it carries across utterances (measured worse: see the model card)"),
        VAD_QUIET_FLOOR_DBFS("vad.quiet.floor.dbfs", "off", "a 32 ms window quieter than this (RMS, dB re full scale, e.g. -70: digital silence, a muted line) is silence without running Silero on it, which saves the VAD's cost there but moves some utterance boundaries (see README); off: Silero hears every window"),
        VAD_NATIVE_8K("vad.native.8k", "true", "8 kHz streams (telephone audio): Silero's 8 kHz model hears their own samples (about 40% cheaper per window); false: its 16 kHz model hears the resampled audio, as for every other rate"),
        PROCESSING_GUARANTEE("processing.guarantee", "exactly_once_v2", "Kafka Streams processing guarantee: exactly_once_v2 or at_least_once"),
        COMMIT_INTERVAL_MS("commit.interval.ms", "100", "Kafka Streams commit interval; with exactly-once, events become visible to read_committed consumers at commits", 1, 600_000),
        NUM_STREAM_THREADS("num.stream.threads", "2", "Kafka Streams processing threads per instance (each runs its tasks' inference batches)", 1, 256),
        STATE_DIR("state.dir", "", "Kafka Streams state directory; empty: Kafka's default (java.io.tmpdir/kafka-streams)"),
        CACHE_MAX_BYTES("statestore.cache.max.bytes", "67108864", "Kafka Streams record cache: stream states changed between commits are written to the changelog once per commit", 0, Long.MAX_VALUE),
        STARTUP_TIMEOUT_MS("startup.timeout.ms", "120000", "how long run waits for Kafka Streams to reach RUNNING (model loaded, stores restored from their changelogs) before it gives up", 1000, 86_400_000),
        LATEST_RETENTION_MS("latest.retention.ms", "3600000", "how long a stream's latest event stays queryable (GET /v1/latest) after its last event", 1000, 30L * 86_400_000),
        ROLES("roles", "service,gateway", "what this process runs: service (the Kafka Streams processor), gateway (WebSocket/HTTP), or both"),
        APPLICATION_SERVER("application.server", "", "host:port other instances reach this one's gateway on, for GET /v1/latest of streams another instance holds (Kafka Streams application.server); empty: one instance, every stream looked up locally"),
        GATEWAY_HOST("gateway.host", "", "address the gateway listens on; empty: 127.0.0.1 with the embedded broker (demo mode), else 0.0.0.0"),
        GATEWAY_PORT("gateway.port", "8080", "HTTP/WebSocket port of the gateway (0: any free port)", 0, 65535),
        GATEWAY_AUTH("gateway.auth", "auto", "bearer-token auth: required, disabled, or auto (required unless the broker is embedded)"),
        GATEWAY_AUTH_TOKENS("gateway.auth.tokens", "", "accepted bearer tokens, comma-separated"),
        GATEWAY_AUTH_TOKENS_FILE("gateway.auth.tokens.file", "", "file of accepted bearer tokens, one per line (e.g. a mounted secret)"),
        GATEWAY_MAX_MESSAGE_BYTES("gateway.max.message.bytes", "65536", "largest WebSocket message (an audio chunk); larger closes the socket with 1009", 1024, 1 << 20),
        GATEWAY_RATE_LIMIT_FACTOR("gateway.rate.limit.factor", "2.0", "audio a connection may send per second of wall clock, in seconds (2.0: twice real time) (0.1 to 1000)"),
        GATEWAY_RATE_BURST_MS("gateway.rate.burst.ms", "2000", "audio a connection may send ahead of the rate limit, in ms (buffered audio sent on connect)", 0, 600_000),
        GATEWAY_IDLE_TIMEOUT_MS("gateway.idle.timeout.ms", "30000", "a WebSocket without any message for this long is closed (4408) and its stream ended", 1000, 86_400_000),
        GATEWAY_MAX_STREAMS("gateway.max.streams", "2000", "audio WebSockets streaming at once through this gateway; more are refused (4503)", 1, 1_000_000),
        GATEWAY_MAX_SUBSCRIBERS("gateway.max.subscribers", "1000", "dashboard event subscriptions (SSE) at once; more are refused with HTTP 503", 1, 1_000_000),
        GATEWAY_FRAME_MS("gateway.frame.ms", "100", "audio per AudioFrame the gateway writes: a connection's chunks are gathered up to this much (and for at most this long) before they go to Kafka as one frame, so 20 ms chunks cost one Kafka record per 100 ms; 0: one frame per chunk", 0, 1000),
        GATEWAY_MAX_INFLIGHT_FRAMES("gateway.max.inflight.frames", "100", "frames of one connection sent to Kafka and not yet acknowledged; at this many the gateway stops reading that socket (TCP back-pressure)", 1, 100_000),
        GATEWAY_FINAL_TIMEOUT_MS("gateway.final.timeout.ms", "15000", "after an end message, how long the gateway waits for the stream's final event before closing the socket", 100, 600_000),
        GATEWAY_ALERT_LABEL("gateway.alert.label", "angry", "label the dashboard raises an alert on"),
        GATEWAY_ALERT_THRESHOLD("gateway.alert.threshold", "0.6", "probability of the alert label above which the dashboard raises the alert (0 to 1.01; 1 or more: never)"),
        GATEWAY_ALERT_ROLES("gateway.alert.roles", "customer", "roles (comma-separated) whose streams raise alerts; empty: every role");

        private final String name;
        private final String defaultValue;
        private final String doc;
        private final long min;
        private final long max;
        private final boolean numeric;

        Key(String name, String defaultValue, String doc) {
            this(name, defaultValue, doc, 0, 0, false);
        }

        Key(String name, String defaultValue, String doc, long min, long max) {
            this(name, defaultValue, doc, min, max, true);
        }

        Key(String name, String defaultValue, String doc, long min, long max, boolean numeric) {
            this.name = name;
            this.defaultValue = defaultValue;
            this.doc = doc;
            this.min = min;
            this.max = max;
            this.numeric = numeric;
        }

        public String key() {
            return name;
        }

        /** The largest accepted value of a numeric setting. */
        public long max() {
            return max;
        }

        public String defaultValue() {
            return defaultValue;
        }

        public String doc() {
            return doc;
        }

        /** The environment variable that sets this key: {@code EMOSTREAM_} + upper case, dots as underscores. */
        public String environmentVariable() {
            return environmentName(name);
        }

        static Key byName(String name) {
            for (Key k : values()) {
                if (k.name.equals(name)) {
                    return k;
                }
            }
            return null;
        }
    }

    /** Prefix of keys passed through to Kafka Streams and its clients. */
    public static final String KAFKA_PREFIX = "kafka.";
    static final String ENV_PREFIX = "EMOSTREAM_";

    private final Map<Key, String> values;
    private final Map<String, String> kafkaOverrides;

    private ServiceConfig(Map<Key, String> values, Map<String, String> kafkaOverrides) {
        this.values = values;
        this.kafkaOverrides = kafkaOverrides;
    }

    public static ServiceConfig defaults() {
        return resolve(Map.of(), Map.of(), Map.of());
    }

    /**
     * Merges the sources (later ones win) and validates the result.
     *
     * @throws IllegalArgumentException naming every unknown key and every bad value
     */
    public static ServiceConfig resolve(Map<String, String> file, Map<String, String> environment, Map<String, String> flags) {
        Map<String, String> merged = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        putAll(merged, file, "config file", problems);
        putAll(merged, fromEnvironment(environment), "environment", problems);
        putAll(merged, flags, "command line", problems);
        Map<Key, String> values = new LinkedHashMap<>();
        Map<String, String> kafka = new TreeMap<>();
        for (Key k : Key.values()) {
            values.put(k, k.defaultValue);
        }
        merged.forEach((name, value) -> {
            if (name.startsWith(KAFKA_PREFIX)) {
                kafka.put(name.substring(KAFKA_PREFIX.length()), value);
            } else {
                values.put(Key.byName(name), value.trim());
            }
        });
        for (Map.Entry<Key, String> e : values.entrySet()) {
            check(e.getKey(), e.getValue(), problems);
        }
        if (problems.isEmpty()) {
            checkTogether(values, problems);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return new ServiceConfig(Collections.unmodifiableMap(values), Collections.unmodifiableMap(kafka));
    }

    /** Reads a Java properties file. */
    public static Map<String, String> readFile(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        }
        Map<String, String> map = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(n -> map.put(n, p.getProperty(n)));
        return map;
    }

    /** Kafka settings emostream sets from its own keys: giving them with the kafka. prefix would override those silently. */
    private static final Map<String, Key> OWN_KAFKA_KEYS = Map.of(
            "bootstrap.servers", Key.BOOTSTRAP_SERVERS, "application.id", Key.APPLICATION_ID,
            "processing.guarantee", Key.PROCESSING_GUARANTEE, "commit.interval.ms", Key.COMMIT_INTERVAL_MS,
            "num.stream.threads", Key.NUM_STREAM_THREADS, "state.dir", Key.STATE_DIR,
            "statestore.cache.max.bytes", Key.CACHE_MAX_BYTES, "application.server", Key.APPLICATION_SERVER);

    /**
     * The variables Kubernetes adds for every Service of the namespace (service links), e.g.
     * EMOSTREAM_SERVICE_HOST or EMOSTREAM_PORT_8080_TCP_ADDR for a Service named emostream.
     */
    private static final java.util.regex.Pattern SERVICE_LINK = java.util.regex.Pattern.compile(
            "[A-Z0-9_]*_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)");

    /** Variables of the emostream client commands (`send`), not settings of the service. */
    private static final java.util.Set<String> CLIENT_VARIABLES = java.util.Set.of("EMOSTREAM_TOKEN");

    private static void putAll(Map<String, String> merged, Map<String, String> source, String where, List<String> problems) {
        source.forEach((name, value) -> {
            if (!name.startsWith(KAFKA_PREFIX) && Key.byName(name) == null) {
                String hint = where.equals("environment") && SERVICE_LINK.matcher(name).matches()
                        ? ": it looks like a Kubernetes service link (a Service whose name starts with emostream);"
                                + " set enableServiceLinks: false in the pod spec, as k8s/base/statefulset.yaml does"
                        : "";
                problems.add("unknown setting '" + name + "' (" + where + ")" + hint);
            } else if (name.startsWith(KAFKA_PREFIX) && OWN_KAFKA_KEYS.containsKey(name.substring(KAFKA_PREFIX.length()))) {
                problems.add("'" + name + "' (" + where + "): set " + OWN_KAFKA_KEYS.get(name.substring(KAFKA_PREFIX.length())).key()
                        + " instead");
            } else {
                merged.put(name, value);
            }
        });
    }

    /** The settings the environment gives: EMOSTREAM_* for known keys and KAFKA_BOOTSTRAP_SERVERS. */
    static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> map = new LinkedHashMap<>();
        String bootstrap = env.get("KAFKA_BOOTSTRAP_SERVERS");
        if (bootstrap != null) {
            map.put(Key.BOOTSTRAP_SERVERS.name, bootstrap);
        }
        for (Key k : Key.values()) {
            String v = env.get(k.environmentVariable());
            if (v != null) {
                map.put(k.name, v);
            }
        }
        String kafkaEnv = ENV_PREFIX + "KAFKA_";
        env.forEach((name, value) -> {
            if (name.startsWith(kafkaEnv)) {
                map.put(KAFKA_PREFIX + name.substring(kafkaEnv.length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            } else if (name.startsWith(ENV_PREFIX) && !CLIENT_VARIABLES.contains(name)
                    && map.keySet().stream().noneMatch(k -> environmentName(k).equals(name))) {
                // An EMOSTREAM_ variable that names no setting is a typo: refused like an unknown key.
                map.put(name, value);
            }
        });
        return map;
    }

    static String environmentName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    private static void check(Key k, String value, List<String> problems) {
        if (k.numeric) {
            try {
                long v = Long.parseLong(value);
                if (v < k.min || v > k.max) {
                    problems.add(k.name + " must be in [" + k.min + ", " + k.max + "], got " + value);
                }
            } catch (NumberFormatException e) {
                problems.add(k.name + " must be an integer, got '" + value + "'");
            }
            return;
        }
        switch (k) {
            case ROLES -> {
                List<String> roles = List.of(value.split("\\s*,\\s*"));
                if (roles.isEmpty() || !List.of("service", "gateway").containsAll(roles)) {
                    problems.add("roles must be service, gateway or service,gateway, got '" + value + "'");
                }
            }
            case GATEWAY_AUTH -> {
                if (!List.of("auto", "required", "disabled").contains(value)) {
                    problems.add("gateway.auth must be auto, required or disabled, got '" + value + "'");
                }
            }
            case GATEWAY_RATE_LIMIT_FACTOR -> checkDecimal(k, value, 0.1, 1000, problems);
            case VAD_THRESHOLD, VAD_NEGATIVE_THRESHOLD -> checkDecimal(k, value, 0.01, 0.99, problems);
            case VAD_QUIET_FLOOR_DBFS -> {
                if (!value.equals("off")) {
                    checkDecimal(k, value, -200, -20, problems);
                }
            }
            case VAD_ENABLED, VAD_RESET_PER_UTTERANCE, VAD_NATIVE_8K -> {
                if (!List.of("true", "false").contains(value)) {
                    problems.add(k.name + " must be true or false, got '" + value + "'");
                }
            }
            case GATEWAY_ALERT_THRESHOLD -> checkDecimal(k, value, 0, 1.01, problems);
            case APPLICATION_SERVER -> {
                if (!value.isEmpty() && !value.matches("[^:\\s]+:\\d{1,5}")) {
                    problems.add("application.server must be host:port, got '" + value + "'");
                }
            }
            case MODEL_PROVIDER -> {
                if (!List.of("auto", "cuda", "cpu").contains(value)) {
                    problems.add("model.provider must be auto, cuda or cpu, got '" + value + "'");
                }
            }
            case PROCESSING_GUARANTEE -> {
                if (!List.of("exactly_once_v2", "at_least_once").contains(value)) {
                    problems.add("processing.guarantee must be exactly_once_v2 or at_least_once, got '" + value + "'");
                }
            }
            case APPLICATION_ID, TOPIC_AUDIO, TOPIC_EMOTIONS, TOPIC_DLQ -> {
                if (!value.matches("[a-zA-Z0-9._-]{1,249}")) {
                    problems.add(k.name + " must be 1-249 of [a-zA-Z0-9._-], got '" + value + "'");
                }
            }
            default -> { }
        }
    }

    /** Limits that depend on each other (each value alone already checked). */
    private static void checkTogether(Map<Key, String> values, List<String> problems) {
        long message = Long.parseLong(values.get(Key.GATEWAY_MAX_MESSAGE_BYTES));
        long frame = Long.parseLong(values.get(Key.FRAME_MAX_BYTES));
        if (message > frame) {
            // The gateway never splits a client's chunk; a frame over the processor's limit is dead-lettered.
            problems.add(Key.GATEWAY_MAX_MESSAGE_BYTES.name + " (" + message + ") must not exceed "
                    + Key.FRAME_MAX_BYTES.name + " (" + frame + "): a chunk becomes (part of) one frame");
        }
    }

    private static void checkDecimal(Key k, String value, double min, double max, List<String> problems) {
        try {
            double v = Double.parseDouble(value);
            if (!(v >= min && v <= max)) {
                problems.add(k.name + " must be in [" + min + ", " + max + "], got " + value);
            }
        } catch (NumberFormatException e) {
            problems.add(k.name + " must be a number, got '" + value + "'");
        }
    }

    public String get(Key k) {
        return values.get(k);
    }

    public int getInt(Key k) {
        return Math.toIntExact(Long.parseLong(values.get(k)));
    }

    public long getLong(Key k) {
        return Long.parseLong(values.get(k));
    }

    public boolean getBoolean(Key k) {
        return Boolean.parseBoolean(values.get(k));
    }

    public double getDouble(Key k) {
        return Double.parseDouble(values.get(k));
    }

    /** A comma-separated setting as a list, blanks dropped. */
    public List<String> getList(Key k) {
        List<String> list = new ArrayList<>();
        for (String s : values.get(k).split(",")) {
            if (!s.isBlank()) {
                list.add(s.trim());
            }
        }
        return list;
    }

    /** Whether this process runs the given role (service or gateway). */
    public boolean runs(String role) {
        return getList(Key.ROLES).contains(role);
    }

    /** Whether no cluster was given, so the service starts its own broker. */
    public boolean embedded() {
        return get(Key.BOOTSTRAP_SERVERS).isEmpty();
    }

    /** Settings for Kafka Streams and its clients given with the {@code kafka.} prefix. */
    public Map<String, String> kafkaOverrides() {
        return kafkaOverrides;
    }

    /** The same settings with others replacing some (for the embedded broker's address, tests). */
    public ServiceConfig with(Map<String, String> changes) {
        Map<String, String> flags = new LinkedHashMap<>();
        values.forEach((k, v) -> flags.put(k.name, v));
        kafkaOverrides.forEach((k, v) -> flags.put(KAFKA_PREFIX + k, v));
        flags.putAll(changes);
        return resolve(Map.of(), Map.of(), flags);
    }

    private static boolean secret(String kafkaKey) {
        String k = kafkaKey.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("jaas") || k.contains("key") || k.contains("secret")
                || k.contains("token") || k.contains("credential");
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        values.forEach((k, v) -> sb.append(k.name).append('=').append(k == Key.GATEWAY_AUTH_TOKENS && !v.isEmpty() ? "<hidden>" : v).append('\n'));
        kafkaOverrides.forEach((k, v) -> sb.append(KAFKA_PREFIX).append(k).append('=')
                .append(secret(k) ? "<hidden>" : v).append('\n'));
        return sb.toString();
    }
}
