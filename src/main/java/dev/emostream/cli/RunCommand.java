package dev.emostream.cli;

import dev.emostream.gateway.GatewaySettings;
import dev.emostream.service.Application;
import dev.emostream.service.EmotionService;
import dev.emostream.service.ServiceConfig;
import dev.emostream.stream.StreamCounters;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code emostream run}: the stream service, until stopped (Ctrl-C / SIGTERM). */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs the stream service (AudioFrames in, EmotionEvents out) and the gateway (WebSocket ingest, "
                + "dashboard, metrics on port gateway.port, default 8080); the default command. roles=service or "
                + "roles=gateway runs one of them.",
            "Without --bootstrap-servers or KAFKA_BOOTSTRAP_SERVERS it starts an embedded one-node Kafka broker "
                + "on 127.0.0.1 (port embedded.port, default 9092) and creates the topics, so nothing else is needed.",
            "Settings: defaults < --config FILE < environment (EMOSTREAM_<KEY>, e.g. EMOSTREAM_EVENT_HOP_MS) < flags; "
                + "README lists every key. Keys starting with 'kafka.' go to Kafka Streams and its clients."})
final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "Properties file of settings.")
    Path configFile;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...", description = "Kafka cluster to use (no embedded broker).")
    String bootstrapServers;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "A setting, e.g. -s event.hop.ms=1000 (repeatable).")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--print-config", description = "Print the resolved settings and exit.")
    boolean printConfig;

    @Option(names = "--status-every-s", paramLabel = "S", defaultValue = "10",
            description = "Log a status line (frames, events, dead letters, streams) this often; 0: never (default: ${DEFAULT-VALUE}).")
    int statusEverySeconds;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Override
    public Integer call() throws Exception {
        ServiceConfig config = resolve(System.getenv());
        PrintWriter out = commandSpec.commandLine().getOut();
        if (printConfig) {
            try {
                if (config.runs("service")) {
                    EmotionService.checkFits(config); // the model and VAD checks `run` makes before it starts anything
                }
            } catch (IllegalArgumentException e) {
                throw new ParameterException(commandSpec.commandLine(), e.getMessage());
            }
            out.print(config);
            out.flush();
            return 0;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Application app;
        try {
            app = Application.start(config, Duration.ofMillis(config.getLong(ServiceConfig.Key.STARTUP_TIMEOUT_MS)));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(commandSpec.commandLine(), e.getMessage());
        }
        Thread hook = new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "emostream-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        EmotionService service = app.service();
        String b = " --bootstrap-servers " + app.bootstrapServers();
        if (service != null) {
            out.println("emostream is running: " + config.get(ServiceConfig.Key.TOPIC_AUDIO) + " -> "
                    + config.get(ServiceConfig.Key.TOPIC_EMOTIONS) + " (dead letters: " + config.get(ServiceConfig.Key.TOPIC_DLQ)
                    + ") on " + app.bootstrapServers() + (service.embedded() ? " (embedded broker)" : "")
                    + ", inference on " + service.model().provider());
        }
        if (app.gateway() != null) {
            String url = "http://" + GatewaySettings.from(config).host().replace("0.0.0.0", "localhost") + ":" + app.gateway().port();
            out.println("gateway: " + url + "/ (dashboard), " + url + "/mic.html (microphone), ws " + url.replace("http", "ws")
                    + "/v1/audio, " + url + "/metrics");
        }
        if (service != null && service.embedded()) {
            out.println("  watch events:   java -jar target/emostream.jar tail" + b);
            out.println("  send speech:    java -jar target/emostream.jar produce YOUR.wav --stream-id call-1/customer --realtime" + b);
            out.println("  or a generated voice: java -jar target/emostream.jar produce --generate 3 --stream-id demo --realtime" + b);
            if (app.gateway() != null) {
                out.println("  or as a voice app over the gateway's WebSocket: java -jar target/emostream.jar send YOUR.wav "
                        + "--url ws://127.0.0.1:" + app.gateway().port() + "/v1/audio");
            }
        }
        out.println("Stop with Ctrl-C.");
        out.flush();
        while (!stopped.await(statusEverySeconds > 0 ? statusEverySeconds : 3600, TimeUnit.SECONDS)) {
            if (statusEverySeconds > 0 && service != null) {
                StreamCounters c = service.counters();
                System.getLogger("emostream").log(System.Logger.Level.INFO, String.format(java.util.Locale.ROOT,
                        "status: %d frames, %d events (%d final), %d dead letters, %d active streams, %d inference calls",
                        c.framesIn(), c.eventsOut(), c.finalEvents(), c.deadLettersTotal(), c.activeStreams(), c.inferenceCalls()));
            }
        }
        return 0;
    }

    ServiceConfig resolve(Map<String, String> environment) {
        try {
            Map<String, String> file = configFile == null ? Map.of() : ServiceConfig.readFile(configFile);
            Map<String, String> flags = new LinkedHashMap<>(settings);
            if (bootstrapServers != null) {
                flags.put(ServiceConfig.Key.BOOTSTRAP_SERVERS.key(), bootstrapServers);
            }
            return ServiceConfig.resolve(file, environment, flags);
        } catch (NoSuchFileException e) {
            throw new ParameterException(commandSpec.commandLine(), "no such config file: " + configFile);
        } catch (java.io.IOException e) {
            throw new ParameterException(commandSpec.commandLine(), "cannot read " + configFile + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(commandSpec.commandLine(), e.getMessage());
        }
    }
}
