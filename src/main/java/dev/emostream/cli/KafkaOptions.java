package dev.emostream.cli;

import picocli.CommandLine.Option;

/** Where the Kafka clients of produce and tail connect. */
final class KafkaOptions {
    /** The embedded broker's default address ({@code embedded.port}'s default; a test keeps them equal). */
    static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...",
            description = "Kafka cluster (default: $KAFKA_BOOTSTRAP_SERVERS, else " + DEFAULT_BOOTSTRAP
                    + ", the broker 'emostream run' embeds).")
    String bootstrapServers;

    String bootstrap() {
        if (bootstrapServers != null && !bootstrapServers.isBlank()) {
            return bootstrapServers;
        }
        String env = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        return env == null || env.isBlank() ? DEFAULT_BOOTSTRAP : env;
    }
}
