package dev.emostream.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A one-node Kafka cluster (KRaft: broker and controller in one process) inside this JVM, bound to
 * 127.0.0.1 only. It lets {@code emostream run} work with no Kafka installed and gives the
 * integration tests a real broker. Replication factors and minimum in-sync replicas are 1, which
 * exactly-once processing needs on a single broker.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EmbeddedKafka.class.getName());
    private static final String LOOPBACK = "127.0.0.1";

    private final KafkaRaftServer server;
    private final Path logDir;
    private final boolean deleteOnClose;
    private final String bootstrapServers;
    private boolean closed;

    private EmbeddedKafka(KafkaRaftServer server, Path logDir, boolean deleteOnClose, int port) {
        this.server = server;
        this.logDir = logDir;
        this.deleteOnClose = deleteOnClose;
        this.bootstrapServers = LOOPBACK + ":" + port;
    }

    /** Starts a broker on a free port with its log in a temporary directory deleted on close. */
    public static EmbeddedKafka start() {
        try {
            return start(0, Files.createTempDirectory("emostream-kafka-"), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the embedded Kafka log", e);
        }
    }

    /**
     * Starts a broker.
     *
     * @param port          client port on 127.0.0.1, 0 for a free one
     * @param logDir        where the broker keeps its log; formatted when empty, reused otherwise
     * @param deleteOnClose whether {@link #close} deletes {@code logDir}
     */
    public static EmbeddedKafka start(int port, Path logDir, boolean deleteOnClose) {
        return start(port, logDir, deleteOnClose, java.util.Map.of());
    }

    /** As {@link #start(int, Path, boolean)}, with broker settings added or replaced (tests shorten timeouts). */
    public static EmbeddedKafka start(int port, Path logDir, boolean deleteOnClose, java.util.Map<String, String> overrides) {
        try {
            return startIn(port, logDir, deleteOnClose, overrides);
        } catch (RuntimeException e) {
            if (deleteOnClose) {
                deleteRecursively(logDir); // a temporary log directory must not outlive a failed start
            }
            throw e;
        }
    }

    private static EmbeddedKafka startIn(int port, Path logDir, boolean deleteOnClose, java.util.Map<String, String> overrides) {
        int clientPort = port == 0 ? freePort() : port;
        int controllerPort = freePort();
        try {
            Files.createDirectories(logDir);
            Properties props = brokerProperties(clientPort, controllerPort, logDir);
            props.putAll(overrides);
            Path propsFile = logDir.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(propsFile)) {
                props.store(out, "emostream embedded broker");
            }
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(propsFile);
            }
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            try {
                server.startup();
            } catch (RuntimeException e) {
                server.shutdown(); // its threads would outlive a failed start (e.g. the port is taken)
                throw new IllegalStateException("the embedded Kafka broker cannot start on " + LOOPBACK + ":" + clientPort
                        + " (" + e.getMessage() + "); is another broker using the port? (embedded.port, or bootstrap.servers "
                        + "to use it)", e);
            }
            LOG.log(System.Logger.Level.INFO, "embedded Kafka broker (KRaft) on {0}:{1}, log in {2}",
                    LOOPBACK, String.valueOf(clientPort), logDir);
            return new EmbeddedKafka(server, logDir, deleteOnClose, clientPort);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the embedded Kafka log directory " + logDir, e);
        }
    }

    static Properties brokerProperties(int clientPort, int controllerPort, Path logDir) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("listeners", "PLAINTEXT://" + LOOPBACK + ":" + clientPort + ",CONTROLLER://" + LOOPBACK + ":" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + LOOPBACK + ":" + clientPort);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("controller.quorum.voters", "1@" + LOOPBACK + ":" + controllerPort);
        p.setProperty("log.dirs", logDir.toAbsolutePath().toString());
        // One broker: every internal topic has one replica, and exactly-once needs min ISR 1.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "4");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "4");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // The log cleaner (compacted changelogs) takes 128 MB of heap by default.
        p.setProperty("log.cleaner.dedupe.buffer.size", "2097152");
        p.setProperty("num.partitions", "1");
        return p;
    }

    private static void format(Path propsFile) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        // execute(), not main(): main calls System.exit.
        int rc = StorageTool.execute(new String[] {"format", "--cluster-id", Uuid.randomUuid().toString(),
            "--config", propsFile.toString(), "--ignore-formatted"}, new PrintStream(captured, true, StandardCharsets.UTF_8));
        if (rc != 0) {
            throw new IllegalStateException("formatting the embedded Kafka log failed (" + rc + "): "
                    + captured.toString(StandardCharsets.UTF_8).trim());
        }
    }

    /** A port on 127.0.0.1 nobody listens on now (another process may still take it before the broker). */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + LOOPBACK, e);
        }
    }

    /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path logDir() {
        return logDir;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdown();
        server.awaitShutdown();
        if (deleteOnClose) {
            deleteRecursively(logDir);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not delete " + dir + ": " + e.getMessage());
        }
    }
}
