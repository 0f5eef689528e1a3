package io.chanmux.server.channel;

import io.chanmux.server.config.PeerRates;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A peer's datagram budget follows the server's rates as a reload changes them. */
class PeerRateLimitTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void shouldCutALivePeersBurstAtOnceWhenGivenLowerRates() {
        PeerRates before = new PeerRates(100, 1_000_000);
        PeerRateLimit limit = new PeerRateLimit(before, 0);
        assertTrue(limit.admit(100, 0, before));

        PeerRates after = new PeerRates(2, 1_000_000);
        assertTrue(limit.admit(100, SECOND, after));
        assertTrue(limit.admit(100, SECOND, after));
        assertFalse(limit.admit(100, SECOND, after), "the burst is now two datagrams");
        assertTrue(limit.admit(100, SECOND + SECOND / 2, after), "and one more each half second");
    }

    @Test
    void shouldNotRefillWhenGivenEqualRatesInANewInstance() {
        PeerRates rates = new PeerRates(1, 1_000_000);
        PeerRateLimit limit = new PeerRateLimit(rates, 0);
        assertTrue(limit.admit(100, 0, rates));

        assertFalse(limit.admit(100, 0, new PeerRates(1, 1_000_000)), "a reload that changed other settings");
    }
}
