package dev.emostream.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emostream.gateway.GatewaySettings;
import dev.emostream.gateway.TokenAuth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway's settings: roles, auth modes and token sources, decimals, secrets hidden. */
class GatewayConfigTest {
    static ServiceConfig config(Map<String, String> flags) {
        return ServiceConfig.resolve(Map.of(), Map.of(), flags);
    }

    @Test
    void badGatewayValuesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config(Map.of(
                "roles", "service,web", "gateway.auth", "maybe", "gateway.rate.limit.factor", "fast",
                "gateway.alert.threshold", "2", "application.server", "no-port")));
        for (String part : List.of("roles must be", "gateway.auth must be", "gateway.rate.limit.factor must be a number",
                "gateway.alert.threshold must be in", "application.server must be host:port")) {
            assertTrue(e.getMessage().contains(part), e.getMessage());
        }
    }

    @Test
    void rolesAndHosts() {
        ServiceConfig both = config(Map.of());
        assertTrue(both.runs("service") && both.runs("gateway"));
        ServiceConfig gatewayOnly = config(Map.of("roles", "gateway", "bootstrap.servers", "kafka:9092"));
        assertFalse(gatewayOnly.runs("service"));
        assertEquals("127.0.0.1", GatewaySettings.from(both).host(), "demo mode listens on loopback only");
        assertEquals("0.0.0.0", GatewaySettings.from(gatewayOnly).host());
        assertEquals(2.5, GatewaySettings.from(config(Map.of("gateway.rate.limit.factor", "2.5"))).rateLimitFactor());
    }

    @Test
    void authIsOffOnlyInDemoModeWithoutTokens(@TempDir Path dir) throws Exception {
        assertFalse(Application.auth(config(Map.of())).enabled(), "embedded broker, no token: demo mode");
        assertTrue(Application.auth(config(Map.of("gateway.auth.tokens", "t1"))).allows("Bearer t1", null),
                "tokens configured in demo mode are used");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Application.auth(config(Map.of("bootstrap.servers", "kafka:9092"))));
        assertTrue(e.getMessage().contains("no token is configured"), e.getMessage());
        assertFalse(Application.auth(config(Map.of("bootstrap.servers", "kafka:9092", "gateway.auth", "disabled"))).enabled());

        Path file = dir.resolve("tokens");
        Files.writeString(file, "# rotated 2026-11\nfrom-file\n\n  spaced  \n");
        TokenAuth auth = Application.auth(config(Map.of("bootstrap.servers", "kafka:9092", "gateway.auth.tokens.file", file.toString(),
                "gateway.auth.tokens", "listed")));
        assertTrue(auth.allows("Bearer from-file", null));
        assertTrue(auth.allows("Bearer spaced", null));
        assertTrue(auth.allows("Bearer listed", null));
        assertFalse(auth.allows("Bearer # rotated 2026-11", null), "comment lines are not tokens");
    }

    @Test
    void tokensAreHiddenWhenTheConfigurationIsPrinted() {
        String printed = config(Map.of("gateway.auth.tokens", "s3cret")).toString();
        assertFalse(printed.contains("s3cret"), printed);
        assertTrue(printed.contains("gateway.auth.tokens=<hidden>"), printed);
    }
}
