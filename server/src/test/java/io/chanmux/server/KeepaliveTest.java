package io.chanmux.server;

import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.client.PeerHandle;
import io.chanmux.server.config.Settings;
import io.chanmux.server.config.UdpEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
@ParameterizedClass(name = "{0}")
@EnumSource(UdpEngine.class)
class KeepaliveTest {
    private final TestRelay relay;

    KeepaliveTest(UdpEngine engine) {
        relay = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine)
                .set(Settings.PEER_TIMEOUT, Duration.ofMillis(1000))
                .set(Settings.BIND_TIMEOUT, Duration.ofMillis(1000)));
    }

    @AfterEach
    void stop() {
        relay.close();
    }

    @Test
    void shouldEvictASilentPeerAndTellBothItAndTheOthersWhileKeepingAPingingPeer() throws Exception {
        ChannelInfo channel = relay.client("owner").create();
        TestClient silentSession = relay.client("silent");
        TestPeer silent = silentSession.join(channel.channel());
        silent.close(); // its keepalive stops with its socket; the session, and so the membership, stays
        TestClient activeSession = relay.client("active");
        TestPeer active = activeSession.join(channel.channel());

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            active.handle().sendPing(1);
            return silentSession.events().stream().anyMatch(e -> e.name().equals("peer_left"));
        });

        assertEquals("timeout", silentSession.awaitEvent("peer_left", e -> e.peer() == Integer.toUnsignedLong(silent.id())).reason());
        assertEquals("timeout", activeSession.awaitEvent("peer_left", e -> e.peer() == Integer.toUnsignedLong(silent.id())).reason());
        assertEquals(1, relay.server().directory().peerCount(), "the pinging peer was evicted too");
        assertFalse(activeSession.events().stream().anyMatch(e -> e.peer() == Integer.toUnsignedLong(active.id())));
    }

    @Test
    void shouldEvictAPeerThatNeverBinds() throws Exception {
        ChannelInfo channel = relay.client("owner").create();
        TestClient lazy = relay.client("lazy");
        PeerHandle neverBound = lazy.control().join(channel.channel());

        assertEquals("timeout", lazy.awaitEvent("peer_left", e -> e.peer() == Integer.toUnsignedLong(neverBound.peer())).reason());
        assertEquals(0, relay.server().directory().peerCount());
    }

    @Test
    void shouldAnswerPingWithPongCarryingTheSameBody() throws Exception {
        ChannelInfo channel = relay.client("owner").create();
        TestPeer peer = relay.client("pinger").join(channel.channel());

        Duration rtt = peer.handle().ping(Duration.ofSeconds(5));

        assertTrue(rtt.compareTo(Duration.ofSeconds(5)) < 0);
        // The socket thread counts a PONG just after sending it, so the client may be faster.
        org.awaitility.Awaitility.await().until(() -> relay.counter(io.chanmux.server.channel.RelayCounter.PONGS) >= 1);
    }
}
