package dev.emostream.gateway;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenAuthTest {
    final TokenAuth auth = TokenAuth.required(List.of("alpha", "beta"));

    @Test
    void acceptsAConfiguredTokenFromTheHeaderOrTheQuery() {
        assertTrue(auth.allows("Bearer alpha", null));
        assertTrue(auth.allows("bearer beta", null), "the scheme is case-insensitive");
        assertTrue(auth.allows(null, "beta"));
    }

    @Test
    void refusesMissingWrongAndPartialTokens() {
        assertFalse(auth.allows(null, null));
        assertFalse(auth.allows("Bearer ", null));
        assertFalse(auth.allows("Bearer alph", null));
        assertFalse(auth.allows("Bearer alphaa", null));
        assertFalse(auth.allows("Basic YWxwaGE6", null));
        assertFalse(auth.allows(null, ""));
        assertFalse(auth.allows("Bearer wrong", "alpha"), "a header, when given, is the credential");
    }

    @Test
    void requiredAuthNeedsATokenAndDisabledAllowsAll() {
        assertThrows(IllegalArgumentException.class, () -> TokenAuth.required(List.of()));
        assertTrue(TokenAuth.disabled().allows(null, null));
        assertFalse(TokenAuth.disabled().enabled());
    }
}
