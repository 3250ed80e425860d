package dev.emostream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.emostream.audio.DemoSignal;
import dev.emostream.audio.Encoding;
import dev.emostream.contract.AudioFrame;
import dev.emostream.contract.Contracts;
import dev.emostream.service.Application;
import dev.emostream.service.ServiceConfig;
import dev.emostream.service.ServiceConfig.Key;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment files (docker/, k8s/) checked against the code they deploy: every setting they
 * give is one emostream accepts, the probes and ports are the gateway's, the files agree with each
 * other, and every metric the Grafana dashboard queries is one a running emostream exposes. Where
 * docker-compose, kubectl and promtool are installed, they validate the files too.
 */
class DeploymentFilesTest {
    static final Path ROOT = Path.of(System.getProperty("emostream.projectDir", "."));
    static final Path K8S = ROOT.resolve("k8s");
    static final Path DOCKER = ROOT.resolve("docker");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    /** Environment variables a manifest may set that are not emostream settings. */
    static final Set<String> OTHER_ENV = Set.of("KAFKA_BOOTSTRAP_SERVERS", "POD_NAME", "POD_NAMESPACE");

    // ---------------------------------------------------------------------------------------------
    // (a) Every YAML file parses

    @Test
    void everyYamlFileParsesAndEveryManifestNamesItsKind() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Stream.concat(Files.walk(K8S), Files.walk(DOCKER))) {
            files = s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
        // Guard against a vacuous pass (files moved, wrong working directory).
        assertTrue(files.size() >= 14, "YAML files found: " + files);
        for (Path f : files) {
            List<JsonNode> docs = yamlDocuments(f);
            assertFalse(docs.isEmpty(), f + " has no document");
            for (JsonNode d : docs) {
                assertTrue(d.isObject(), f + ": a document that is not a mapping");
                if (f.startsWith(K8S)) {
                    // Kubernetes objects, kustomizations and patches alike name their kind.
                    assertTrue(d.hasNonNull("apiVersion") && d.hasNonNull("kind"), f + ": apiVersion and kind");
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // (b) The StatefulSet, its ConfigMap and the objects around it

    @Test
    void statefulSetProbesPointAtTheGatewaysHealthEndpointsOnItsPort() throws IOException {
        JsonNode container = container(yaml("k8s/base/statefulset.yaml"));
        ServiceConfig config = ServiceConfig.resolve(Map.of(), podEnvironment(), Map.of());
        int gatewayPort = config.getInt(Key.GATEWAY_PORT);
        assertEquals("/health/live", container.at("/startupProbe/httpGet/path").asText(), "startup probe");
        assertEquals("/health/live", container.at("/livenessProbe/httpGet/path").asText(), "liveness probe");
        assertEquals("/health/ready", container.at("/readinessProbe/httpGet/path").asText(), "readiness probe");
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertEquals(gatewayPort, containerPort(container, container.at("/" + probe + "/httpGet/port")),
                    probe + " must reach the gateway's port (gateway.port " + gatewayPort + ")");
        }
        // The gateway starts only once Kafka Streams is RUNNING, and the process gives up after 120 s
        // without it (Application.start in RunCommand): a startup budget below that restarts pods
        // that would have come up.
        JsonNode startup = container.get("startupProbe");
        int budget = startup.get("periodSeconds").asInt() * startup.get("failureThreshold").asInt();
        assertTrue(budget >= 150, "startup probe allows " + budget + " s, less than the 120 s start timeout plus model load");
    }

    @Test
    void everyEnvironmentVariableIsARealSettingWithAValidValue() throws IOException {
        JsonNode configMap = yaml("k8s/base/configmap.yaml");
        JsonNode container = container(yaml("k8s/base/statefulset.yaml"));
        List<String> names = new ArrayList<>();
        configMap.get("data").fieldNames().forEachRemaining(names::add);
        container.get("env").forEach(e -> names.add(e.get("name").asText()));
        assertEquals("emostream", container.at("/envFrom/0/configMapRef/name").asText(), "the pod loads the ConfigMap");
        for (String name : names) {
            assertTrue(isSetting(name) || OTHER_ENV.contains(name),
                    name + " is neither an emostream setting (ServiceConfig.Key) nor one of " + OTHER_ENV);
        }
        // The values too: resolve() refuses unknown names, bad numbers and values out of range.
        ServiceConfig config = ServiceConfig.resolve(Map.of(), podEnvironment(), Map.of());
        assertFalse(config.embedded(), "a deployment names its Kafka cluster (no embedded demo broker)");
        assertTrue(config.runs("service") && config.runs("gateway"));
        assertEquals("1", config.kafkaOverrides().get("num.standby.replicas"), "EMOSTREAM_KAFKA_* passes through to Kafka Streams");
    }

    @Test
    void theSettingsAgreeWithTheVolumesTheServicesAndTheImage() throws IOException {
        JsonNode sts = yaml("k8s/base/statefulset.yaml");
        JsonNode pod = sts.at("/spec/template/spec");
        JsonNode container = container(sts);
        ServiceConfig config = ServiceConfig.resolve(Map.of(), podEnvironment(), Map.of());

        // state.dir is the volume of the claim template.
        String claim = sts.at("/spec/volumeClaimTemplates/0/metadata/name").asText();
        assertEquals(mountPath(container, claim), config.get(Key.STATE_DIR), "state.dir is the claim's mount");

        // The token file is a key of the Secret, mounted where gateway.auth.tokens.file looks.
        JsonNode secret = yaml("k8s/base/secret.yaml");
        String secretVolume = volumeOf(pod, v -> secret.at("/metadata/name").asText().equals(v.at("/secret/secretName").asText()));
        Path tokens = Path.of(config.get(Key.GATEWAY_AUTH_TOKENS_FILE));
        assertEquals(mountPath(container, secretVolume), tokens.getParent().toString(), "token file's directory is the Secret's mount");
        assertTrue(secret.at("/stringData").has(tokens.getFileName().toString()), "the Secret has the key " + tokens.getFileName());

        // application.server is this pod's name under the headless Service, on the gateway's port.
        JsonNode headless = yaml("k8s/base/service-headless.yaml");
        assertEquals("None", headless.at("/spec/clusterIP").asText());
        assertEquals(sts.at("/spec/serviceName").asText(), headless.at("/metadata/name").asText());
        assertEquals("emostream-0." + headless.at("/metadata/name").asText() + ".ns.svc.cluster.local:" + config.get(Key.GATEWAY_PORT),
                config.get(Key.APPLICATION_SERVER));

        // Both Services select the pods and target the gateway's port.
        JsonNode podLabels = sts.at("/spec/template/metadata/labels");
        for (String f : List.of("k8s/base/service.yaml", "k8s/base/service-headless.yaml")) {
            JsonNode svc = yaml(f);
            assertSelects(svc.at("/spec/selector"), podLabels, f);
            assertEquals(config.getInt(Key.GATEWAY_PORT), containerPort(container, svc.at("/spec/ports/0/targetPort")), f + " targetPort");
        }
        assertSelects(yaml("k8s/base/pdb.yaml").at("/spec/selector/matchLabels"), podLabels, "k8s/base/pdb.yaml");
        assertSelects(sts.at("/spec/selector/matchLabels"), podLabels, "the StatefulSet's own selector");

        // Clean close: the gateway (up to 10 s) then Kafka Streams (up to 30 s) before SIGKILL.
        assertTrue(pod.get("terminationGracePeriodSeconds").asInt() >= 45, "terminationGracePeriodSeconds");

        // The pod runs as the image's user (docker/Dockerfile USER uid:gid).
        Matcher user = Pattern.compile("(?m)^USER (\\d+):(\\d+)$").matcher(Files.readString(DOCKER.resolve("Dockerfile")));
        assertTrue(user.find(), "docker/Dockerfile sets a numeric USER");
        assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean());
        assertEquals(user.group(1), pod.at("/securityContext/runAsUser").asText(), "runAsUser = the image's uid");
        assertEquals(user.group(2), pod.at("/securityContext/fsGroup").asText(), "fsGroup = the image's gid (state volume writable)");
    }

    @Test
    void podsGetNoServiceLinkVariablesWhichTheStrictSettingsWouldRefuse() throws IOException {
        // Services named emostream* would add EMOSTREAM_SERVICE_HOST, EMOSTREAM_PORT, ...: unknown settings.
        JsonNode pod = yaml("k8s/base/statefulset.yaml").at("/spec/template/spec");
        assertFalse(pod.at("/enableServiceLinks").isMissingNode() || pod.at("/enableServiceLinks").asBoolean(),
                "statefulset.yaml must set enableServiceLinks: false");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServiceConfig.resolve(Map.of(), Map.of("EMOSTREAM_SERVICE_HOST", "10.0.0.1"), Map.of()));
        assertTrue(e.getMessage().contains("enableServiceLinks"), e.getMessage());
    }

    @Test
    void autoscalerAndServiceMonitorTargetTheStatefulSetAndItsHeadlessService() throws IOException {
        JsonNode hpa = yaml("k8s/base/hpa.yaml");
        assertEquals("autoscaling/v2", hpa.get("apiVersion").asText());
        assertEquals("StatefulSet", hpa.at("/spec/scaleTargetRef/kind").asText());
        assertEquals("emostream", hpa.at("/spec/scaleTargetRef/name").asText());
        // Replicas beyond the audio topic's partitions get no task (the comment in hpa.yaml says so).
        int partitions = ServiceConfig.resolve(Map.of(), podEnvironment(), Map.of()).getInt(Key.TOPIC_PARTITIONS);
        assertTrue(hpa.at("/spec/maxReplicas").asInt() <= partitions, "maxReplicas <= topic.partitions " + partitions);
        // The autoscaler owns the count: a count in the StatefulSet would reset it on every apply.
        assertTrue(yaml("k8s/base/statefulset.yaml").at("/spec/replicas").isMissingNode(), "no replicas in statefulset.yaml");
        assertTrue(hpa.at("/spec/minReplicas").asInt() >= 1);

        // kubectl cannot validate a ServiceMonitor without the Prometheus Operator's CRD, so it is
        // checked here: it must select the headless Service (every pod, ready or not) and only it
        // (selecting the client Service too would scrape every pod twice), on a named port, /metrics.
        JsonNode sm = yaml("k8s/base/servicemonitor.yaml");
        assertEquals("monitoring.coreos.com/v1", sm.get("apiVersion").asText());
        JsonNode selector = sm.at("/spec/selector/matchLabels");
        JsonNode headless = yaml("k8s/base/service-headless.yaml");
        assertSelects(selector, headless.at("/metadata/labels"), "the ServiceMonitor -> headless Service");
        assertFalse(selects(selector, yaml("k8s/base/service.yaml").at("/metadata/labels")), "the ServiceMonitor must not select the client Service");
        assertEquals(headless.at("/spec/ports/0/name").asText(), sm.at("/spec/endpoints/0/port").asText());
        assertEquals("/metrics", sm.at("/spec/endpoints/0/path").asText());
    }

    @Test
    void gpuOverlayAsksForOneGpuOnTheSameContainerAndSelectsCuda() throws IOException {
        JsonNode kustomization = yaml("k8s/gpu/kustomization.yaml");
        JsonNode patch = yaml("k8s/gpu/statefulset-gpu.yaml");
        JsonNode gpuContainer = patch.at("/spec/template/spec/containers/0");
        // A strategic merge patch merges containers by name: another name would add a second container.
        assertEquals(container(yaml("k8s/base/statefulset.yaml")).get("name").asText(), gpuContainer.get("name").asText());
        assertEquals("1", gpuContainer.at("/resources/limits/nvidia.com~1gpu").asText(), "nvidia.com/gpu limit");
        assertTrue(patch.at("/spec/template/spec/tolerations").isArray(), "tolerations for tainted GPU nodes");
        assertTrue(kustomization.at("/images/0/newTag").asText().endsWith("-gpu"), "the GPU image");

        Map<String, String> env = podEnvironment();
        yaml("k8s/gpu/configmap-gpu.yaml").get("data").properties().forEach(e -> {
            assertTrue(isSetting(e.getKey()), e.getKey() + " is not a setting");
            env.put(e.getKey(), e.getValue().asText());
        });
        assertEquals("cuda", ServiceConfig.resolve(Map.of(), env, Map.of()).get(Key.MODEL_PROVIDER));
    }

    @Test
    void kustomizationsListFilesThatExist() throws IOException {
        for (String dir : List.of("k8s/base", "k8s/gpu")) {
            JsonNode k = yaml(dir + "/kustomization.yaml");
            List<String> paths = new ArrayList<>();
            k.path("resources").forEach(r -> paths.add(r.asText()));
            k.path("patches").forEach(p -> paths.add(p.get("path").asText()));
            assertFalse(paths.isEmpty(), dir);
            for (String p : paths) {
                assertTrue(Files.exists(ROOT.resolve(dir).resolve(p)), dir + "/kustomization.yaml lists a missing " + p);
            }
        }
    }

    @Test
    void kafkaPassThroughSettingsAreKafkaStreamsConfigsOfTheRightType() throws IOException {
        // EMOSTREAM_KAFKA_* reach Kafka Streams unchecked by emostream, and Kafka only warns about
        // unknown names: a misspelt one would be ignored silently.
        ServiceConfig config = ServiceConfig.resolve(Map.of(), podEnvironment(), Map.of());
        Set<String> known = new TreeSet<>(StreamsConfig.configDef().names());
        known.addAll(ConsumerConfig.configNames());
        known.addAll(ProducerConfig.configNames());
        known.addAll(AdminClientConfig.configNames());
        assertFalse(config.kafkaOverrides().isEmpty(), "the ConfigMap sets standby replicas");
        Map<String, Object> props = new LinkedHashMap<>(config.kafkaOverrides());
        for (String name : props.keySet()) {
            assertTrue(known.contains(name), "EMOSTREAM_KAFKA_ variable for '" + name + "', which is no Kafka setting");
        }
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.get(Key.APPLICATION_ID));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.get(Key.BOOTSTRAP_SERVERS));
        new StreamsConfig(props); // throws ConfigException on a value of the wrong type or out of range
    }

    @Test
    void imagesBundleWhatThePomBundlesRunAsTheirUserAndServeTheGatewayPort() throws IOException {
        // The build stage copies only the model files the jar bundles (pom.xml <resources> from models/):
        // a file the pom adds but the Dockerfiles do not copy would otherwise show only when an image
        // is built, which nothing here does (no Docker engine).
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        Set<String> bundled = new TreeSet<>();
        Matcher resource = Pattern.compile("<resource>(.*?)</resource>", Pattern.DOTALL).matcher(pom);
        while (resource.find()) {
            if (resource.group(1).contains("<directory>models</directory>")) {
                Matcher include = Pattern.compile("<include>([^<]+)</include>").matcher(resource.group(1));
                while (include.find()) {
                    bundled.add("models/" + include.group(1));
                }
            }
        }
        assertEquals(3, bundled.size(), "spec, descriptor and ONNX file: " + bundled);
        String port = Key.GATEWAY_PORT.defaultValue();
        for (String file : List.of("Dockerfile", "Dockerfile.gpu")) {
            String dockerfile = Files.readString(DOCKER.resolve(file));
            Matcher copy = Pattern.compile("(?m)^COPY (models/\\S+(?: models/\\S+)*) ").matcher(dockerfile);
            assertTrue(copy.find(), file + " copies the model files");
            assertEquals(bundled, new TreeSet<>(List.of(copy.group(1).split(" "))), file + ": the model files pom.xml bundles");
            assertTrue(dockerfile.contains("mvn -B -ntp " + (file.endsWith(".gpu") ? "-Pgpu " : "") + "-DskipTests package"), file + " build command");
            assertTrue(dockerfile.contains("\nEXPOSE " + port + "\n"), file + " exposes gateway.port " + port);
            assertTrue(Pattern.compile("(?m)^USER \\d+:\\d+$").matcher(dockerfile).find(), file + ": a numeric non-root USER");
            assertTrue(Pattern.compile("(?m)^ENTRYPOINT \\[\"java\", .*\"-jar\", \"/opt/emostream/emostream.jar\", \"run\"]$").matcher(dockerfile).find(),
                    file + ": java -jar ... run");
            Matcher env = Pattern.compile("(?m)^ENV (EMOSTREAM_[A-Z0-9_]+)=").matcher(dockerfile);
            while (env.find()) {
                assertTrue(isSetting(env.group(1)), file + ": " + env.group(1) + " is not a setting");
            }
        }
        // The GPU image loads ONNX Runtime's libraries from where its build stage extracted them.
        String gpu = Files.readString(DOCKER.resolve("Dockerfile.gpu"));
        Matcher nativePath = Pattern.compile("-Donnxruntime\\.native\\.path=(\\S+?)\"").matcher(gpu);
        assertTrue(nativePath.find(), "Dockerfile.gpu sets onnxruntime.native.path");
        assertTrue(gpu.contains("COPY --from=build " + nativePath.group(1) + " " + nativePath.group(1)), "the extracted libraries are copied");
        assertTrue(gpu.contains("ENV EMOSTREAM_MODEL_PROVIDER=cuda"), "the GPU image asks for CUDA");
    }

    // ---------------------------------------------------------------------------------------------
    // docker/: compose, Prometheus and Grafana agree with each other and with the settings

    @Test
    void composeWiresKafkaEmostreamPrometheusAndGrafanaTogether() throws IOException {
        JsonNode compose = yaml("docker/docker-compose.yml");
        JsonNode emostream = compose.at("/services/emostream");
        Map<String, String> env = new LinkedHashMap<>();
        emostream.get("environment").properties().forEach(e -> env.put(e.getKey(), composeDefault(e.getValue().asText())));
        for (String name : env.keySet()) {
            assertTrue(isSetting(name) || OTHER_ENV.contains(name), name + " is not an emostream setting");
        }
        ServiceConfig config = ServiceConfig.resolve(Map.of(), env, Map.of());
        assertEquals("kafka:9092", config.get(Key.BOOTSTRAP_SERVERS));
        assertFalse(config.getList(Key.GATEWAY_AUTH_TOKENS).isEmpty(), "a real broker means tokens are required: compose must give one");
        assertTrue(compose.at("/services/emostream/volumes/0").asText().endsWith(":" + config.get(Key.STATE_DIR)), "state.dir is the volume");
        assertEquals("service_healthy", emostream.at("/depends_on/kafka/condition").asText());

        // One broker: exactly_once_v2 needs the transaction log's replication (1) >= its min ISR (1).
        JsonNode kafka = compose.at("/services/kafka/environment");
        assertEquals("1", kafka.get("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR").asText());
        assertEquals("1", kafka.get("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR").asText());
        assertEquals("1", kafka.get("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR").asText());
        assertTrue(kafka.get("KAFKA_ADVERTISED_LISTENERS").asText().contains("//" + config.get(Key.BOOTSTRAP_SERVERS)),
                "emostream's bootstrap address is one the broker advertises");

        // Prometheus scrapes the compose service on the gateway's port.
        JsonNode scrape = yaml("docker/prometheus/prometheus.yml").at("/scrape_configs/0");
        assertEquals("/metrics", scrape.get("metrics_path").asText());
        assertEquals("emostream:" + config.get(Key.GATEWAY_PORT), scrape.at("/static_configs/0/targets/0").asText());

        // Every panel names the provisioned datasource by its uid.
        String uid = yaml("docker/grafana/provisioning/datasources/prometheus.yml").at("/datasources/0/uid").asText();
        JsonNode dashboard = JSON.readTree(DOCKER.resolve("grafana/dashboards/emostream.json").toFile());
        for (JsonNode panel : dashboard.get("panels")) {
            if (!panel.get("type").asText().equals("row")) {
                assertEquals(uid, panel.at("/datasource/uid").asText(), panel.get("title").asText());
                panel.get("targets").forEach(t -> assertEquals(uid, t.at("/datasource/uid").asText(), panel.get("title").asText()));
            }
        }
        String provisioned = yaml("docker/grafana/provisioning/dashboards/emostream.yml").at("/providers/0/options/path").asText();
        assertTrue(compose.at("/services/grafana/volumes").toString().contains("./grafana/dashboards:" + provisioned),
                "the dashboard provider reads the mounted dashboards folder");
    }

    // ---------------------------------------------------------------------------------------------
    // (c) The dashboard queries metrics that a running emostream exposes

    @Test
    void everyMetricTheDashboardQueriesIsExposedByARunningEmostream(@TempDir Path state) throws Exception {
        JsonNode dashboard = JSON.readTree(DOCKER.resolve("grafana/dashboards/emostream.json").toFile());
        Set<String> used = dashboardMetrics(dashboard);
        // Guard against a parser that finds nothing: these are certainly queried.
        assertTrue(used.containsAll(Set.of("emostream_frames_in_total", "emostream_frame_to_event_seconds_bucket",
                "emostream_inference_batch_size_sum", "emostream_gateway_refusals_total")), used.toString());

        Set<String> exposed;
        Set<String> lateBound = new TreeSet<>();
        try (Application app = Application.start(ServiceConfig.resolve(Map.of(), Map.of(), Map.of(
                "embedded.port", "0", "gateway.port", "0", "model.provider", "cpu", "state.dir", state.toString(),
                "topic.partitions", "2", "num.stream.threads", "1", "gateway.auth.tokens", "deploy-test-token")),
                Duration.ofSeconds(120))) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + app.gateway().port();
            // Some series appear only with traffic: a refusal by reason, and events (a short stream
            // that ends, so the final event comes at once).
            assertEquals(401, http.send(HttpRequest.newBuilder(URI.create(base + "/v1/latest?stream_id=x")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode(), "no token: refused (and counted)");
            produceStream(app.bootstrapServers(), app.config().get(Key.TOPIC_AUDIO), "deploy-test/customer");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (app.service().counters().finalEvents() < 1) {
                assertTrue(System.nanoTime() < deadline, "no final event within 30 s");
                Thread.sleep(50);
            }
            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            exposed = sampleNames(metrics);
            // Micrometer's Kafka binder copies the metrics Kafka Streams has when it is bound and
            // looks for new ones every 60 s. Some (the state updater threads') are registered by
            // threads that start just after: a gauge Kafka Streams has by now is on /metrics within
            // a minute in production, so it counts as exposed here.
            app.service().streams().metrics().keySet().stream().map(DeploymentFilesTest::micrometerName)
                    .forEach(lateBound::add);
        }
        // Exact sample names as Prometheus stores them (_total, _bucket, _sum, _count included), so
        // a wrong suffix fails too.
        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(exposed);
        missing.removeIf(name -> name.startsWith("kafka_") && !name.endsWith("_total") && lateBound.contains(name));
        assertTrue(missing.isEmpty(), "the dashboard queries metrics /metrics does not have: " + missing);
    }

    @Test
    void promqlMetricNamesAreFoundAndFunctionsLabelsAndRangesAreNot() {
        assertEquals(Set.of("a_bucket"), metricNames("histogram_quantile(0.99, sum by (le, instance) (rate(a_bucket{x=~\"$i\", y=\"rate(z)\"}[$__rate_interval])))"));
        assertEquals(Set.of("a_sum", "a_count"), metricNames("sum(rate(a_sum[5m])) / sum without (pod) (rate(a_count[5m])) > 0"));
        assertEquals(Set.of("up"), metricNames("max by (client_id) (up offset 5m) and on (instance) up"));
    }

    // ---------------------------------------------------------------------------------------------
    // (d) The real validators, where installed

    @Test
    void dockerComposeAcceptsTheComposeFile() throws Exception {
        assumeOnPath("docker-compose", "docker-compose");
        Result r = run(List.of("docker-compose", "-f", "docker/docker-compose.yml", "config", "-q"), null);
        assertEquals(0, r.exit(), "docker-compose config: " + r);
    }

    @Test
    void promtoolAcceptsThePrometheusConfig() throws Exception {
        assumeOnPath("promtool", "prometheus");
        Result r = run(List.of("promtool", "check", "config", "docker/prometheus/prometheus.yml"), null);
        assertEquals(0, r.exit(), "promtool: " + r);
    }

    @Test
    void kubectlReadsEveryManifestAndRendersBothKustomizations() throws Exception {
        assumeOnPath("kubectl", "kubernetes-client");
        // Offline only. `kubectl create --dry-run=client` cannot be used: it still asks a server for
        // the API's resource list (and without a kubeconfig that server is http://localhost:8080,
        // emostream's own default port). `label --local` reads each file as Kubernetes objects
        // without a server, the ServiceMonitor too (no CRD needed), and `set env --local` decodes
        // the StatefulSet into its typed form (a wrong type fails).
        List<String> files;
        try (Stream<Path> s = Files.list(K8S.resolve("base"))) {
            files = s.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".yaml") && !f.equals("kustomization.yaml"))
                    .sorted().toList();
        }
        assertEquals(8, files.size(), files.toString());
        for (String f : files) {
            Result r = run(List.of("kubectl", "label", "--local", "-o", "name", "-f", "k8s/base/" + f, "emostream-check=1"), null);
            assertEquals(0, r.exit(), "kubectl label --local -f k8s/base/" + f + ": " + r);
            assertTrue(r.output().strip().matches("[a-z.]+/emostream(-[a-z]+)?"), f + " -> " + r.output());
        }
        Result typed = run(List.of("kubectl", "set", "env", "--local", "--list", "-f", "k8s/base/statefulset.yaml"), null);
        assertEquals(0, typed.exit(), "kubectl set env --local (typed StatefulSet): " + typed);
        assertTrue(typed.output().contains("EMOSTREAM_APPLICATION_SERVER="), typed.output());

        // kustomize inside kubectl before 1.21 (v2.0.3, Debian bookworm's kubernetes-client) knows
        // neither `patches` nor this layout; 1.21 and later ship kustomize v4+.
        Result version = run(List.of("kubectl", "version", "--client", "-o", "json"), null);
        int minor = Integer.parseInt(JSON.readTree(version.output()).at("/clientVersion/minor").asText().replaceAll("\\D", ""));
        Assumptions.assumeTrue(minor >= 21, "kubectl 1." + minor + " has a kustomize too old for k8s/gpu: render skipped");
        for (String dir : List.of("k8s/base", "k8s/gpu")) {
            Result rendered = run(List.of("kubectl", "kustomize", dir), null);
            assertEquals(0, rendered.exit(), "kubectl kustomize " + dir + ": " + rendered);
            List<JsonNode> objects = yamlDocuments(rendered.output());
            assertEquals(Set.of("ConfigMap", "Service", "StatefulSet", "HorizontalPodAutoscaler", "PodDisruptionBudget"),
                    objects.stream().map(o -> o.get("kind").asText()).collect(Collectors.toSet()), dir);
            assertEquals(6, objects.size(), dir + " renders six objects");
            JsonNode sts = objects.stream().filter(o -> o.get("kind").asText().equals("StatefulSet")).findFirst().orElseThrow();
            Result stsTyped = run(List.of("kubectl", "set", "env", "--local", "--list", "-f", "-"), YAML.writeValueAsString(sts));
            assertEquals(0, stsTyped.exit(), dir + ": typed StatefulSet: " + stsTyped);
            if (dir.equals("k8s/gpu")) {
                JsonNode c = sts.at("/spec/template/spec/containers");
                assertEquals(1, c.size(), "the patch merged into the one container");
                assertEquals("1", c.at("/0/resources/limits/nvidia.com~1gpu").asText());
                assertTrue(c.at("/0/image").asText().endsWith(":0.1.0-gpu"), c.at("/0/image").asText());
                assertEquals("/health/live", c.at("/0/startupProbe/httpGet/path").asText(), "the base's probes are kept");
                JsonNode cm = objects.stream().filter(o -> o.get("kind").asText().equals("ConfigMap")).findFirst().orElseThrow();
                assertEquals("cuda", cm.at("/data/EMOSTREAM_MODEL_PROVIDER").asText());
                assertTrue(cm.at("/data/KAFKA_BOOTSTRAP_SERVERS").isTextual(), "the base's settings are kept");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // helpers

    static JsonNode yaml(String relative) throws IOException {
        List<JsonNode> docs = yamlDocuments(ROOT.resolve(relative));
        assertEquals(1, docs.size(), relative + ": one document");
        return docs.get(0);
    }

    static List<JsonNode> yamlDocuments(Path file) throws IOException {
        return yamlDocuments(Files.readString(file));
    }

    static List<JsonNode> yamlDocuments(String text) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null && !d.isNull() && !d.isMissingNode()) {
                    docs.add(d);
                }
            }
        }
        return docs;
    }

    static JsonNode container(JsonNode statefulSet) {
        JsonNode containers = statefulSet.at("/spec/template/spec/containers");
        assertEquals(1, containers.size(), "one container");
        assertEquals("emostream", containers.get(0).get("name").asText());
        return containers.get(0);
    }

    /** A probe's or Service's port, named or numbered, as the container's port number. */
    static int containerPort(JsonNode container, JsonNode port) {
        if (port.isInt()) {
            return port.asInt();
        }
        for (JsonNode p : container.get("ports")) {
            if (p.path("name").asText().equals(port.asText())) {
                return p.get("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port named " + port);
    }

    static String mountPath(JsonNode container, String volume) {
        for (JsonNode m : container.get("volumeMounts")) {
            if (m.get("name").asText().equals(volume)) {
                return m.get("mountPath").asText();
            }
        }
        throw new AssertionError("volume " + volume + " is not mounted");
    }

    static String volumeOf(JsonNode pod, java.util.function.Predicate<JsonNode> which) {
        for (JsonNode v : pod.get("volumes")) {
            if (which.test(v)) {
                return v.get("name").asText();
            }
        }
        throw new AssertionError("no such volume in " + pod.get("volumes"));
    }

    static boolean selects(JsonNode selector, JsonNode labels) {
        boolean any = false;
        for (Map.Entry<String, JsonNode> e : selector.properties()) {
            any = true;
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return any;
    }

    static void assertSelects(JsonNode selector, JsonNode labels, String what) {
        assertTrue(selects(selector, labels), what + ": selector " + selector + " does not match labels " + labels);
    }

    /** An emostream setting's variable: a key's EMOSTREAM_ name, or a kafka.* pass-through. */
    static boolean isSetting(String name) {
        if (name.startsWith("EMOSTREAM_KAFKA_") && name.length() > "EMOSTREAM_KAFKA_".length()) {
            return true;
        }
        for (Key k : Key.values()) {
            if (k.environmentVariable().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The environment the emostream container of pod emostream-0 in namespace ns sees: the
     * ConfigMap, then the container's own variables with Kubernetes' $(VAR) references expanded.
     */
    static Map<String, String> podEnvironment() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        yaml("k8s/base/configmap.yaml").get("data").properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
        Map<String, String> downward = Map.of("metadata.name", "emostream-0", "metadata.namespace", "ns");
        for (JsonNode e : container(yaml("k8s/base/statefulset.yaml")).get("env")) {
            String value;
            if (e.has("valueFrom")) {
                value = downward.get(e.at("/valueFrom/fieldRef/fieldPath").asText());
                assertNotNull(value, "unexpected valueFrom " + e);
            } else {
                Matcher m = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(e.get("value").asText());
                StringBuilder sb = new StringBuilder();
                while (m.find()) {
                    String ref = env.get(m.group(1));
                    assertNotNull(ref, e.get("name").asText() + " refers to $(" + m.group(1) + "), not defined before it");
                    m.appendReplacement(sb, Matcher.quoteReplacement(ref));
                }
                value = m.appendTail(sb).toString();
            }
            env.put(e.get("name").asText(), value);
        }
        return env;
    }

    /** A compose value with ${VAR:-default} interpolated as when VAR is unset. */
    static String composeDefault(String value) {
        return value.replaceAll("\\$\\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)}", "$1");
    }

    /** Every metric a panel's or a variable's query reads. */
    static Set<String> dashboardMetrics(JsonNode dashboard) {
        Set<String> names = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            panel.path("targets").forEach(t -> names.addAll(metricNames(t.get("expr").asText())));
        }
        for (JsonNode v : dashboard.at("/templating/list")) {
            Matcher m = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,").matcher(v.at("/query/query").asText());
            assertTrue(m.find(), "variable " + v.get("name") + ": label_values(metric, label) expected");
            names.add(m.group(1));
        }
        return names;
    }

    static final Set<String> PROMQL_WORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "inf", "nan");

    /**
     * The metric names in a PromQL expression: identifiers that are not functions (followed by a
     * parenthesis), keywords, label names (inside {} or by/without/on/ignoring lists) or in ranges.
     */
    static Set<String> metricNames(String expr) {
        String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"") // string literals
                .replaceAll("\\{[^}]*}", " ")                              // label matchers
                .replaceAll("\\[[^\\]]*]", " ")                            // ranges
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
                .replaceAll("\\boffset\\s+\\w+", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("(?<![\\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?").matcher(s);
        while (m.find()) {
            if (m.group(2) == null && !PROMQL_WORDS.contains(m.group(1).toLowerCase())) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /**
     * The Prometheus name Micrometer's KafkaMetrics binder gives a Kafka client gauge: kafka_, the
     * group without -metrics, the name ("stream-state-updater-metrics", "active-restoring-tasks":
     * kafka_stream_state_updater_active_restoring_tasks).
     */
    static String micrometerName(MetricName m) {
        String group = m.group().endsWith("-metrics") ? m.group().substring(0, m.group().length() - "-metrics".length()) : m.group();
        return ("kafka_" + group + "_" + m.name()).replace('-', '_').replace('.', '_');
    }

    @Test
    void micrometerNamesOfKafkaMetricsAreThoseOnMetrics() {
        // The rule above against names seen on a real /metrics.
        assertEquals("kafka_consumer_fetch_manager_records_lag_max",
                micrometerName(new MetricName("records-lag-max", "consumer-fetch-manager-metrics", "", Map.of())));
        assertEquals("kafka_stream_client_state", micrometerName(new MetricName("client-state", "stream-metrics", "", Map.of())));
    }

    /** The sample names of a Prometheus text exposition. */
    static Set<String> sampleNames(String exposition) {
        return exposition.lines().filter(l -> !l.isBlank() && !l.startsWith("#"))
                .map(l -> l.split("[{ ]", 2)[0]).collect(Collectors.toCollection(TreeSet::new));
    }

    /** 1.5 s of a voice-like signal as one stream of 20 ms frames, the last one ending it. */
    static void produceStream(String bootstrap, String topic, String streamId) {
        int rate = 16_000;
        int perFrame = rate / 50;
        float[] voice = DemoSignal.generate(rate, 1.5, 7);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            long seq = 0;
            for (int pos = 0; pos < voice.length; pos += perFrame, seq++) {
                int n = Math.min(perFrame, voice.length - pos);
                AudioFrame f = Contracts.frame(streamId, "deploy-test", "customer", seq, System.currentTimeMillis(), rate,
                        Encoding.S16LE, 1, voice, pos, n, pos + n >= voice.length);
                producer.send(new ProducerRecord<>(topic, streamId, Contracts.encode(f)));
            }
            producer.flush();
        }
    }

    static void assumeOnPath(String command, String debianPackage) {
        boolean found = Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, command)));
        Assumptions.assumeTrue(found, command + " not on PATH: validation skipped (apt-get install " + debianPackage + "; .ci/run does)");
    }

    /** A finished command: exit code, standard output, standard error. */
    record Result(int exit, String output, String errors) {
        @Override
        public String toString() {
            return "exit " + exit + "\n" + output + errors;
        }
    }

    /** Runs a validator in the project directory; stdin from {@code input} when given. */
    static Result run(List<String> command, String input) throws Exception {
        // Output to files, so a validator that hangs cannot block a read: waitFor's timeout ends it.
        Path out = Files.createTempFile("deploy-test-", ".out");
        Path err = Files.createTempFile("deploy-test-", ".err");
        // kubectl: never the user's kubeconfig (a real cluster), and no fallback to localhost:8080
        // either; a server on the discard port, where nothing listens, in case anything asks one.
        Path kubeconfig = Files.createTempFile("deploy-test-kubeconfig-", ".yaml");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
                users: [{name: none, user: {token: none}}]
                contexts: [{name: none, context: {cluster: none, user: none}}]
                current-context: none
                """);
        ProcessBuilder b = new ProcessBuilder(command).directory(ROOT.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        b.environment().put("KUBECONFIG", kubeconfig.toString());
        try {
            Process p = b.start();
            try (var in = p.getOutputStream()) {
                if (input != null) {
                    in.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(command + " did not finish within 60 s");
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            Files.deleteIfExists(kubeconfig);
        }
    }
}
