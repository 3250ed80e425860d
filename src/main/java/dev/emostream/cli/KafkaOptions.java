package dev.emostream.cli;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Option;

/** Where the Kafka clients of produce and tail connect. */
final class KafkaOptions {
    /** The embedded broker's default address ({@code embedded.port}'s default; a test keeps them equal). */
    static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...",
            description = "Kafka cluster (default: $KAFKA_BOOTSTRAP_SERVERS, else " + DEFAULT_BOOTSTRAP
                    + ", the broker 'emostream run' embeds).")
    String bootstrapServers;

    /**
     * Waits until {@code topic} exists (the service creates its topics), up to {@code timeout}. Asked
     * through the admin API, which never creates a topic: a client that does (a producer, a consumer
     * by default) would create it with the broker's defaults, one partition and 1 MB records, and
     * the service never changes a topic that exists.
     *
     * @throws IllegalStateException if it does not appear in time
     */
    void awaitTopic(String topic, Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            while (true) {
                try {
                    if (admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic)) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    // the cluster is not reachable (yet): retried until the deadline, then reported below
                }
                if (System.nanoTime() > until) {
                    throw new IllegalStateException("topic " + topic + " does not exist on " + bootstrap()
                            + " (is 'emostream run' started? it creates its topics)");
                }
                Thread.sleep(500);
            }
        }
    }

    String bootstrap() {
        if (bootstrapServers != null && !bootstrapServers.isBlank()) {
            return bootstrapServers;
        }
        String env = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        return env == null || env.isBlank() ? DEFAULT_BOOTSTRAP : env;
    }
}
