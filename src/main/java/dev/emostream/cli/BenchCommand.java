package dev.emostream.cli;

import dev.emostream.audio.ChannelSelection;
import dev.emostream.audio.Encoding;
import dev.emostream.audio.SampleEncoder;
import dev.emostream.audio.WavAudio;
import dev.emostream.audio.WavReader;
import dev.emostream.bench.StreamBench;
import dev.emostream.bench.WsBench;
import dev.emostream.service.Application;
import dev.emostream.service.EmotionService;
import dev.emostream.service.ServiceConfig;
import dev.emostream.stream.StreamCounters;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code emostream bench --streams N --seconds S}: real-time speakers through the real broker and service. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Drives N concurrent real-time speakers (a 20 ms 16 kHz frame every 20 ms each) through a Kafka "
                + "broker and the stream service and reports frames/s, events/s and the p50/p99 latency from a frame's "
                + "send to the arrival of the event it completed (read_committed).",
            "By default it starts the embedded broker and the service in this process (all on this machine); "
                + "with --bootstrap-servers it drives an already running 'emostream run'. --streams 100,500,1000 runs several sizes."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--streams", paramLabel = "N[,N...]", split = ",", defaultValue = "100",
            description = "Concurrent streams produced straight to Kafka (default: ${DEFAULT-VALUE}).")
    int[] streams;

    @Option(names = "--frame-ms", paramLabel = "MS", defaultValue = "20",
            description = "With --streams: audio per frame each stream sends (a media server's choice; default: ${DEFAULT-VALUE}).")
    int frameMs;

    @Option(names = "--ws", paramLabel = "N[,N...]", split = ",",
            description = "Instead of --streams: N WebSocket voice-app clients through the gateway (the whole path), "
                    + "each reading its own events from its socket.")
    int[] wsClients;

    @Option(names = "--gateway", paramLabel = "HOST:PORT", description = "With --ws: drive a running gateway (else one starts in this process).")
    String gateway;

    @Option(names = "--token", paramLabel = "T", description = "With --gateway: the bearer token.")
    String token;

    @Option(names = "--wav", paramLabel = "FILE", arity = "1..*",
            description = "16 kHz WAV files the clients stream (each client its own offset); default: a generated voice-like signal.")
    List<Path> wavFiles = new ArrayList<>();

    @Option(names = "--telephony", paramLabel = "mulaw|alaw", converter = FeaturesCommand.TelephonyLawConverter.class,
            description = "With --streams: the speakers send 8 kHz G.711 frames (their audio through a simulated telephone line), "
                    + "as a call center's media server would; default: 16 kHz s16le.")
    dev.emostream.audio.TelephonyChannel.Law telephony;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "30", description = "Audio per stream (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup-s", paramLabel = "S", defaultValue = "5",
            description = "Latencies of the first S seconds are not counted (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--jit-warmup-s", paramLabel = "S", defaultValue = "45",
            description = "First an unmeasured run of the first size for S seconds, so the JIT has compiled the broker, "
                    + "Kafka Streams and emostream (on 2 cores it competes for a core for tens of seconds); 0: none "
                    + "(default: ${DEFAULT-VALUE}).")
    double jitWarmupSeconds;

    @Option(names = "--p99-limit-ms", paramLabel = "MS", defaultValue = "200",
            description = "p99 latency a run must stay under to count as real time (default: ${DEFAULT-VALUE}).")
    long p99LimitMs;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...", description = "Drive a running service on this cluster.")
    String bootstrapServers;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "A service setting for the in-process service (repeatable).")
    Map<String, String> settings = new LinkedHashMap<>();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Override
    public Integer call() throws Exception {
        for (int n : streams) {
            if (n < 1 || n > 100_000) {
                throw new ParameterException(commandSpec.commandLine(), "--streams must be in [1, 100000], got " + n);
            }
        }
        if (seconds < 1 || seconds > 3600 || warmupSeconds < 0 || warmupSeconds >= seconds) {
            throw new ParameterException(commandSpec.commandLine(), "--seconds must be in [1, 3600] and --warmup-s in [0, seconds)");
        }
        if (wsClients != null) {
            if (telephony != null) {
                throw new ParameterException(commandSpec.commandLine(), "--telephony is for --streams (the WebSocket clients send 16 kHz PCM)");
            }
            return runWs();
        }
        if (frameMs < 10 || frameMs > 1000) {
            throw new ParameterException(commandSpec.commandLine(), "--frame-ms must be in [10, 1000], got " + frameMs);
        }
        PrintWriter out = commandSpec.commandLine().getOut();
        EmotionService service = null;
        String bootstrap = bootstrapServers;
        ServiceConfig config;
        try {
            if (bootstrap == null) {
                config = inProcessConfig(Map.of());
                service = EmotionService.start(config);
                if (!service.awaitRunning(Duration.ofSeconds(120))) {
                    throw new IllegalStateException("the service did not start");
                }
                bootstrap = service.bootstrapServers();
            } else {
                config = ServiceConfig.defaults();
            }
            StreamBench bench = new StreamBench(bootstrap, config.get(ServiceConfig.Key.TOPIC_AUDIO),
                    config.get(ServiceConfig.Key.TOPIC_EMOTIONS), frameMs, streamAudio());
            EmotionService local = service;
            return runSizes(streams, (n, s, warmup) -> {
                StreamBench.Result r = bench.run(n, s, warmup, 30);
                return new Measured(r.summary(), r.keptUp(p99LimitMs));
            }, local == null ? null : local.counters(), "frames_processed", out);
        } finally {
            if (service != null) {
                service.close();
            }
        }
    }

    /** {@code --ws}: WebSocket clients through the gateway, the service and the broker. */
    private int runWs() throws Exception {
        for (int n : wsClients) {
            if (n < 1 || n > 100_000) {
                throw new ParameterException(commandSpec.commandLine(), "--ws must be in [1, 100000], got " + n);
            }
        }
        PrintWriter out = commandSpec.commandLine().getOut();
        byte[][] voices = voices();
        Application app = null;
        try {
            String host;
            int port;
            if (gateway == null) {
                ServiceConfig config = inProcessConfig(Map.of("gateway.port", "0", "gateway.max.streams", "100000"));
                app = Application.start(config, Duration.ofSeconds(120));
                host = "127.0.0.1";
                port = app.gateway().port();
            } else {
                int colon = gateway.lastIndexOf(':');
                if (colon < 1) {
                    throw new ParameterException(commandSpec.commandLine(), "--gateway must be HOST:PORT, got " + gateway);
                }
                host = gateway.substring(0, colon);
                port = Integer.parseInt(gateway.substring(colon + 1));
            }
            WsBench bench = new WsBench(host, port, token, voices);
            return runSizes(wsClients, (n, s, warmup) -> {
                WsBench.Result r = bench.run(n, s, warmup, 30);
                return new Measured(r.summary(), r.keptUp(p99LimitMs));
            }, app == null ? null : app.service().counters(), "service_frames", out);
        } finally {
            if (app != null) {
                app.close();
            }
        }
    }

    /** Settings of the in-process service: an embedded broker on a free port, then {@code extra}, then -s. */
    private ServiceConfig inProcessConfig(Map<String, String> extra) {
        Map<String, String> flags = new LinkedHashMap<>(Map.of("embedded.port", "0", "application.id", "emostream-bench",
                "topic.partitions", "4"));
        flags.putAll(extra);
        flags.putAll(settings);
        try {
            return ServiceConfig.resolve(Map.of(), System.getenv(), flags);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(commandSpec.commandLine(), e.getMessage());
        }
    }

    /** One run's summary line and whether it kept up with real time. */
    private record Measured(String summary, boolean keptUp) {
    }

    /** A run of {@code n} streams or clients for {@code seconds}, not counting the first {@code warmup}. */
    @FunctionalInterface
    private interface SizeRun {
        Measured run(int n, double seconds, double warmup) throws Exception;
    }

    /**
     * The unmeasured JIT warm-up at the first size, then each size, one line each; with the
     * service in this process, also the frames it processed ({@code framesLabel}) and its dead letters.
     */
    private int runSizes(int[] sizes, SizeRun run, StreamCounters counters, String framesLabel, PrintWriter out) throws Exception {
        if (jitWarmupSeconds > 0) {
            out.println("warm-up (not a measurement): " + run.run(sizes[0], Math.max(jitWarmupSeconds, 2), 1).summary());
            out.flush();
        }
        boolean allKept = true;
        for (int n : sizes) {
            long before = counters == null ? 0 : counters.framesIn();
            long putsBefore = counters == null ? 0 : counters.statePuts();
            long vadCallsBefore = counters == null ? 0 : counters.vadCalls();
            long vadWindowsBefore = counters == null ? 0 : counters.vadWindows();
            long quietBefore = counters == null ? 0 : counters.vadQuietWindows();
            long bytesBefore = counters == null ? 0 : counters.stateBytes();
            long modelCallsBefore = counters == null ? 0 : counters.inferenceCalls();
            long modelStreamsBefore = counters == null ? 0 : counters.inferenceBatchedStreams();
            long modelNanosBefore = counters == null ? 0 : counters.inferenceNanos();
            long vadNanosBefore = counters == null ? 0 : counters.vadNanos();
            long start = System.nanoTime();
            Measured m = run.run(n, seconds, warmupSeconds);
            double wall = (System.nanoTime() - start) / 1e9;
            String processed = "";
            if (counters != null) {
                long puts = counters.statePuts() - putsBefore;
                long bytes = counters.stateBytes() - bytesBefore;
                // Serialisation work for the changelogged store (the record cache sends the last state of a commit).
                long vadCalls = counters.vadCalls() - vadCallsBefore;
                long vadWindows = counters.vadWindows() - vadWindowsBefore;
                long quiet = counters.vadQuietWindows() - quietBefore;
                long modelCalls = counters.inferenceCalls() - modelCallsBefore;
                long modelStreams = counters.inferenceBatchedStreams() - modelStreamsBefore;
                // Cores busy in the ONNX calls (wall time inside them over the run's wall time): the
                // model's and the VAD's share of the machine, which a profiler of Java code does not see.
                double modelCores = (counters.inferenceNanos() - modelNanosBefore) / 1e9 / wall;
                double vadCores = (counters.vadNanos() - vadNanosBefore) / 1e9 / wall;
                processed = String.format(java.util.Locale.ROOT, " %s=%d dead_letters=%d state_puts/s=%.0f state_bytes_mean=%.0f state_mb/s=%.1f"
                                + " model_calls/s=%.0f model_batch_mean=%.1f model_cores=%.3f"
                                + " vad_windows_per_call=%.1f vad_quiet_windows=%.1f%% vad_cores=%.3f",
                        framesLabel, counters.framesIn() - before, counters.deadLettersTotal(), puts / wall,
                        puts == 0 ? 0.0 : bytes / (double) puts, bytes / wall / 1e6,
                        modelCalls / wall, modelCalls == 0 ? 0.0 : modelStreams / (double) modelCalls, modelCores,
                        vadCalls == 0 ? 0.0 : vadWindows / (double) vadCalls,
                        vadWindows + quiet == 0 ? 0.0 : 100.0 * quiet / (vadWindows + quiet), vadCores);
            }
            allKept &= m.keptUp();
            out.println(m.summary() + processed + " real_time=" + (m.keptUp() ? "yes" : "no"));
            out.flush();
        }
        return allKept ? 0 : Main.EXIT_PARTIAL_FAILURE;
    }

    /** What the --streams speakers send: the voices at 16 kHz s16le, or through a telephone line at 8 kHz. */
    private StreamBench.Audio streamAudio() throws java.io.IOException {
        if (telephony == null) {
            return new StreamBench.Audio(voices(), 16_000, Encoding.S16LE);
        }
        List<float[]> signals = signals();
        byte[][] voices = new byte[signals.size()][];
        Encoding encoding = telephony == dev.emostream.audio.TelephonyChannel.Law.MULAW ? Encoding.MULAW : Encoding.ALAW;
        for (int i = 0; i < voices.length; i++) {
            float[] narrow = dev.emostream.audio.TelephonyChannel.carry(signals.get(i), 16_000, telephony);
            voices[i] = new byte[narrow.length];
            SampleEncoder.encode(encoding, narrow, 0, narrow.length, voices[i], 0);
        }
        return new StreamBench.Audio(voices, dev.emostream.audio.TelephonyChannel.RATE, encoding);
    }

    /** The audio clients stream: the --wav files (16 kHz, mixed to mono), or generated voices; 16 kHz s16le. */
    private byte[][] voices() throws java.io.IOException {
        return StreamBench.Audio.s16le(signals()).voices();
    }

    private List<float[]> signals() throws java.io.IOException {
        if (wavFiles.isEmpty()) {
            return StreamBench.Audio.generatedSignals();
        }
        List<float[]> signals = new ArrayList<>();
        for (Path f : wavFiles) {
            WavAudio a = new WavReader().read(f);
            if (a.sampleRate() != 16_000 || a.frames() < 16_000) {
                throw new ParameterException(commandSpec.commandLine(), "--wav needs 16 kHz files of at least 1 s: " + f + " is "
                        + a.sampleRate() + " Hz, " + a.durationSeconds() + " s");
            }
            signals.add(a.mono(ChannelSelection.downmix()));
        }
        return signals;
    }
}
