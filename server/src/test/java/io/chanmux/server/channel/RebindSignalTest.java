package io.chanmux.server.channel;

import io.chanmux.server.config.PeerRates;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pool's signal that some peer's id came from a wrong source. */
class RebindSignalTest {
    @Test
    void shouldBeTakenOnceForAnyNumberOfRaisesBeforeTheTake() {
        RebindSignal signal = new RebindSignal();
        assertFalse(signal.take(), "raised before anyone raised it");
        signal.raise();
        signal.raise();
        assertTrue(signal.take());
        assertFalse(signal.take(), "still raised after the take");
        signal.raise();
        assertTrue(signal.take());
    }

    @Test
    void shouldBeRaisedWhenAPeerRecordsAWrongSource() {
        RebindSignal signal = new RebindSignal();
        Peer peer = new Peer(1, new byte[16], new RelayChannel("signal", 0, 2, signal), new PeerRates(1, 1500), 0);
        peer.recordWrongSource(1, 5);
        assertTrue(signal.take());
        assertEquals(5, peer.activity().lastWrongSourceNs(), "the time recorded too");
    }
}
