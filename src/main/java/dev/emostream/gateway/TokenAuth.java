package dev.emostream.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Bearer-token check. Tokens come from the configuration (a list, or a file such as a mounted
 * secret); a request presents one in {@code Authorization: Bearer T} or, because browsers cannot
 * set headers on WebSocket and EventSource requests, as the {@code access_token} query parameter.
 */
public final class TokenAuth {
    private final List<byte[]> tokens;
    private final boolean enabled;

    private TokenAuth(List<byte[]> tokens, boolean enabled) {
        this.tokens = tokens;
        this.enabled = enabled;
    }

    /** Auth that accepts exactly these tokens; at least one is needed. */
    public static TokenAuth required(List<String> tokens) {
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("gateway auth is required but no token is configured: set gateway.auth.tokens "
                    + "or gateway.auth.tokens.file (or gateway.auth=disabled on a trusted network)");
        }
        return new TokenAuth(tokens.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList(), true);
    }

    /** No auth: every request passes (embedded demo mode or an explicitly trusted network). */
    public static TokenAuth disabled() {
        return new TokenAuth(List.of(), false);
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * Whether the request may pass, given its Authorization header and access_token parameter
     * (either may be null).
     */
    public boolean allows(String authorizationHeader, String accessTokenParameter) {
        if (!enabled) {
            return true;
        }
        String presented = null;
        if (authorizationHeader != null && authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = authorizationHeader.substring(7).trim();
        } else if (accessTokenParameter != null) {
            presented = accessTokenParameter;
        }
        if (presented == null || presented.isEmpty()) {
            return false;
        }
        byte[] p = presented.getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (byte[] t : tokens) {
            // Constant-time comparison, and no early exit: timing tells nothing about the tokens.
            match |= MessageDigest.isEqual(t, p);
        }
        return match;
    }
}
