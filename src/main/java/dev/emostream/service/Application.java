package dev.emostream.service;

import dev.emostream.gateway.EventBoundaries;
import dev.emostream.gateway.Gateway;
import dev.emostream.gateway.GatewaySettings;
import dev.emostream.gateway.TokenAuth;
import dev.emostream.metrics.MetricsRegistry;
import dev.emostream.metrics.ServiceMetrics;
import dev.emostream.model.EmotionModel;
import dev.emostream.model.ModelDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The whole emostream process as configured by {@code roles}: the stream service (with the embedded
 * broker in demo mode), the gateway, or both (the default), sharing one metrics registry.
 */
public final class Application implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Application.class.getName());

    private final ServiceConfig config;
    private final MetricsRegistry metrics;
    private final EmotionService service;
    private final ServiceMetrics serviceMetrics;
    private final Gateway gateway;
    private final String bootstrapServers;

    private Application(ServiceConfig config, MetricsRegistry metrics, EmotionService service, ServiceMetrics serviceMetrics,
                        Gateway gateway, String bootstrapServers) {
        this.config = config;
        this.metrics = metrics;
        this.service = service;
        this.serviceMetrics = serviceMetrics;
        this.gateway = gateway;
        this.bootstrapServers = bootstrapServers;
    }

    /** Starts the configured roles; the gateway only once the service runs (so /v1/latest can answer). */
    public static Application start(ServiceConfig config, Duration serviceStartTimeout) throws Exception {
        boolean runsService = config.runs("service");
        boolean runsGateway = config.runs("gateway");
        if (!runsService && config.embedded()) {
            throw new IllegalArgumentException("roles=gateway needs a Kafka cluster (bootstrap.servers): the embedded "
                    + "broker runs inside the service role");
        }
        TokenAuth auth = runsGateway ? auth(config) : null; // refuse a bad auth setup before starting anything
        MetricsRegistry metrics = new MetricsRegistry();
        EmotionService service = null;
        ServiceMetrics serviceMetrics = null;
        try {
            String bootstrap;
            if (runsService) {
                service = EmotionService.start(config);
                serviceMetrics = new ServiceMetrics(metrics.registry(), service.counters(), service.streams(),
                        service.model().descriptor().labels());
                bootstrap = service.bootstrapServers();
                if (!service.awaitRunning(serviceStartTimeout)) {
                    throw new IllegalStateException("the Kafka Streams application did not reach RUNNING within "
                            + serviceStartTimeout.toSeconds() + " s (state " + service.streams().state() + ")");
                }
            } else {
                bootstrap = config.get(ServiceConfig.Key.BOOTSTRAP_SERVERS);
                EmotionService.createTopics(config, bootstrap);
            }
            Gateway gateway = null;
            if (runsGateway) {
                Map<String, Object> kafka = new HashMap<>(config.kafkaOverrides());
                kafka.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
                ModelDescriptor d = service != null ? service.model().descriptor() : descriptor(config);
                EmotionService svc = service;
                gateway = Gateway.start(GatewaySettings.from(config), auth, kafka, svc == null ? null : svc.streams(),
                        new Gateway.ModelInfo(d.modelVersion(), d.labels(),
                                new EventBoundaries(d, config.getLong(ServiceConfig.Key.EVENT_HOP_MS))), metrics,
                        () -> svc == null ? null : notReady(svc.streams().state()));
            }
            return new Application(config, metrics, service, serviceMetrics, gateway, bootstrap);
        } catch (Exception | Error e) {
            if (serviceMetrics != null) {
                serviceMetrics.close();
            }
            if (service != null) {
                service.close();
            }
            metrics.close();
            throw e;
        }
    }

    /**
     * Why the service cannot serve in this state, or null. The gateway starts once Kafka Streams is
     * RUNNING; a later rebalance (an instance joins or leaves) keeps it ready: audio is still taken
     * and events follow when the rebalance ends, and every instance rebalances at once, so turning
     * unready then would empty a load balancer of all of them.
     */
    static String notReady(KafkaStreams.State state) {
        return state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING ? null
                : "the stream service is " + state;
    }

    private static ModelDescriptor descriptor(ServiceConfig config) {
        String path = config.get(ServiceConfig.Key.MODEL_PATH);
        return path.isEmpty() ? EmotionModel.bundledDescriptor() : ModelDescriptor.read(Path.of(path));
    }

    /** The gateway's token check from gateway.auth, gateway.auth.tokens and gateway.auth.tokens.file. */
    static TokenAuth auth(ServiceConfig config) {
        String mode = config.get(ServiceConfig.Key.GATEWAY_AUTH);
        boolean required = mode.equals("required") || mode.equals("auto") && !config.embedded();
        List<String> tokens = new ArrayList<>(config.getList(ServiceConfig.Key.GATEWAY_AUTH_TOKENS));
        String file = config.get(ServiceConfig.Key.GATEWAY_AUTH_TOKENS_FILE);
        if (!file.isEmpty()) {
            try {
                Files.readAllLines(Path.of(file)).stream().map(String::trim).filter(t -> !t.isEmpty() && !t.startsWith("#"))
                        .forEach(tokens::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read gateway.auth.tokens.file " + file + ": " + e.getMessage(), e);
            }
        }
        if (!required && mode.equals("auto") && !tokens.isEmpty()) {
            required = true; // tokens configured in demo mode: use them
        }
        return required ? TokenAuth.required(tokens) : TokenAuth.disabled();
    }

    public ServiceConfig config() {
        return config;
    }

    /** The stream service, or null when this process runs only the gateway. */
    public EmotionService service() {
        return service;
    }

    /** The gateway, or null when this process runs only the service. */
    public Gateway gateway() {
        return gateway;
    }

    public MetricsRegistry metrics() {
        return metrics;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        // The gateway first: its sockets' end-of-stream frames still reach the service's topic.
        if (gateway != null) {
            try {
                gateway.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing the gateway: " + e, e);
            }
        }
        if (serviceMetrics != null) {
            serviceMetrics.close();
        }
        if (service != null) {
            service.close();
        }
        metrics.close();
    }
}
