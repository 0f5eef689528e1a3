package io.chanmux.server.channel;

import io.chanmux.server.config.PeerRates;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The pool's queue of peers whose id came from a wrong source. */
class RebindSignalTest {
    private final RebindSignal signal = new RebindSignal();
    private final RelayChannel relay = new RelayChannel("signal", 0, 2, signal);

    private Peer peer(int id) {
        return new Peer(id, new byte[16], relay, new PeerRates(1, 1500), 0);
    }

    @Test
    void shouldQueueAPeerOnceHoweverManyWrongSourcesItsIdComesFromUntilThePoolTakesIt() {
        Peer a = peer(1);
        Peer b = peer(2);
        assertNull(signal.take(), "a peer before any wrong source");
        for (int i = 0; i < 1_000; i++) {
            a.recordWrongSource(i % 2, 5 + i); // a flood of forged datagrams on both socket threads
        }
        b.recordWrongSource(0, 7);

        assertSame(a, signal.take());
        assertSame(b, signal.take());
        assertNull(signal.take(), "a peer queued twice");
        assertEquals(1_004, a.activity().lastWrongSourceNs(), "the latest time recorded");

        a.recordWrongSource(1, 2_000);
        assertSame(a, signal.take(), "queued again once taken");
    }
}
