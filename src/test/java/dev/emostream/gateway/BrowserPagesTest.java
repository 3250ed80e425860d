package dev.emostream.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.audio.DemoSignal;
import dev.emostream.audio.Encoding;
import dev.emostream.audio.WavWriter;
import dev.emostream.service.Application;
import dev.emostream.service.ServiceConfig;
import dev.emostream.testing.SpeechSignals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The web pages in a real browser: Debian's chromium driven by Playwright (src/test/browser, a node
 * script) against the whole process (embedded broker, service, gateway with auth). Chromium's fake
 * microphone plays a WAV file; the mic page streams it, the dashboard shows the stream, its chart,
 * the anger alert and the final event. Screenshots and the script's log go to target/browser-artifacts.
 * Skipped, saying why, where chromium or node/npm are missing (.ci/run installs them).
 */
class BrowserPagesTest {
    static final String TOKEN = "browser-test-token";
    static final Path BROWSER_DIR = Path.of("src/test/browser");
    static final Path WORK = Path.of("target/browser");
    static final Path ARTIFACTS = Path.of("target/browser-artifacts");

    static String chromium() {
        String configured = System.getenv("CHROMIUM");
        for (String c : new String[] {configured, "/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
            if (c != null && Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        return null;
    }

    static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    static int exec(List<String> command, Path dir, Map<String, String> env, Path log, int timeoutSeconds) throws Exception {
        ProcessBuilder b = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        b.environment().putAll(env);
        Process p = b.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s; see " + log);
        }
        return p.exitValue();
    }

    @Test
    void micPageStreamsAndDashboardShowsTheStreamItsChartTheAlertAndTheFinalEvent() throws Exception {
        String browser = chromium();
        Assumptions.assumeTrue(browser != null, "browser test skipped: no chromium (apt-get install chromium; .ci/run does)");
        Assumptions.assumeTrue(onPath("node") && onPath("npm"),
                "browser test skipped: no node/npm (apt-get install nodejs npm; .ci/run does)");

        Files.createDirectories(WORK);
        Files.createDirectories(ARTIFACTS);
        Path log = ARTIFACTS.resolve("browser-test.log");
        Files.deleteIfExists(log);
        for (String f : new String[] {"package.json", "package-lock.json", "pages.test.mjs"}) {
            Files.copy(BROWSER_DIR.resolve(f), WORK.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(WORK.resolve("node_modules/playwright-core"))) {
            int npm = exec(List.of("npm", "ci", "--no-audit", "--no-fund"), WORK, Map.of(), log, 300);
            assertEquals(0, npm, "npm ci failed; see " + log + ":\n" + tail(log));
        }
        Path wav = WORK.resolve("voice-16k.wav");
        // Real (synthetic) speech between silences when espeak-ng is there, so the voice-activity path
        // is what the pages show; otherwise a voice-like signal with the VAD off.
        boolean speech = Files.isExecutable(Path.of("/usr/bin/espeak-ng"));
        float[] signal = speech
                ? new SpeechSignals().silence(0.8).speech(SpeechSignals.speak("I can't believe you did that to me", "en-us"))
                        .silence(1.0).speech(SpeechSignals.speak("This is absolutely unacceptable, I want it fixed now", "en-us"))
                        .silence(1.5).build().samples()
                : DemoSignal.generate(16_000, 8.0, 21);
        WavWriter.write(wav, signal, 1, 16_000, Encoding.S16LE);

        Map<String, String> s = new LinkedHashMap<>();
        s.put("embedded.port", "0");
        s.put("gateway.port", "0");
        s.put("gateway.auth", "required");
        s.put("gateway.auth.tokens", TOKEN);
        s.put("topic.partitions", "2");
        s.put("num.stream.threads", "1");
        s.put("model.provider", "cpu");
        s.put("vad.enabled", String.valueOf(speech));
        s.put("state.dir", Files.createTempDirectory("emostream-browser-test-").toString());
        try (Application app = Application.start(ServiceConfig.resolve(Map.of(), Map.of(), s), Duration.ofSeconds(120))) {
            Map<String, String> env = Map.of(
                    "GATEWAY_URL", "http://127.0.0.1:" + app.gateway().port(),
                    "TOKEN", TOKEN,
                    "FAKE_AUDIO_WAV", wav.toAbsolutePath().toString(),
                    "EXPECT_UTTERANCES", speech ? "1" : "0",
                    "ARTIFACT_DIR", ARTIFACTS.toAbsolutePath().toString(),
                    "CHROMIUM", browser);
            int exit = exec(List.of("node", "pages.test.mjs"), WORK, env, log, 240);
            assertEquals(0, exit, "the browser test failed; its log (" + log + "):\n" + tail(log));
            assertTrue(app.service().counters().framesIn() > 0, "the service received the browser's audio");
            assertEquals(0, app.service().counters().deadLettersTotal(), "the browser's frames were all accepted");
        }
        for (String shot : new String[] {"mic.png", "dashboard.png", "dashboard-final.png"}) {
            assertTrue(Files.size(ARTIFACTS.resolve(shot)) > 10_000, shot + " was written");
        }
    }

    static String tail(Path log) throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
