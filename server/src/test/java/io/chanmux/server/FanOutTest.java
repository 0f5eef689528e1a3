package io.chanmux.server;

import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.wire.Datagram;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.config.Settings;
import io.chanmux.server.config.UdpEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
@ParameterizedClass(name = "{0}")
@EnumSource(UdpEngine.class)
class FanOutTest {
    private final TestRelay relay;

    FanOutTest(UdpEngine engine) {
        relay = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine));
    }

    @AfterEach
    void stop() {
        relay.close();
    }

    @ParameterizedTest(name = "{0} peers")
    @ValueSource(ints = {3, 20})
    void shouldDeliverEachDatagramToEveryOtherPeerAndNeverBackWhenAllPeersSend(int peerCount) throws Exception {
        ChannelInfo channel = relay.client("owner").create();
        List<TestPeer> peers = new ArrayList<>();
        for (int i = 0; i < peerCount; i++) {
            peers.add(relay.client("peer" + i).join(channel.channel()));
        }

        for (TestPeer sender : peers) {
            sender.send("from-" + sender.id());
        }

        for (TestPeer receiver : peers) {
            Set<String> received = new HashSet<>();
            for (int i = 0; i < peerCount - 1; i++) {
                assertTrue(received.add(receiver.receivePayload()), "a duplicate reached peer " + receiver.id());
            }
            Set<String> expected = new HashSet<>();
            peers.stream().filter(p -> p != receiver).forEach(p -> expected.add("from-" + p.id()));
            assertEquals(expected, received);
        }
        for (TestPeer peer : peers) {
            assertTrue(peer.nothingPending(), "peer " + peer.id() + " got an extra datagram (its own?)");
        }
        relay.awaitCounter(RelayCounter.FORWARDED, (long) peerCount * (peerCount - 1));
    }

    @Test
    void shouldForwardTheWholeDatagramUnchangedWhenRelaying() throws Exception {
        ChannelInfo channel = relay.client("owner").create();
        TestPeer a = relay.client("a").join(channel.channel());
        TestPeer b = relay.client("b").join(channel.channel());

        byte[] payload = new byte[1000];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 31);
        }
        a.handle().send(payload);

        byte[] got = b.receive(Duration.ofSeconds(5));
        assertNotNull(got);
        assertEquals(Datagram.HEADER_BYTES + payload.length, got.length);
        assertEquals(Datagram.DATA, got[0]);
        assertEquals(a.id(), TestPeer.senderOf(got));
        assertArrayEquals(payload, Arrays.copyOfRange(got, Datagram.HEADER_BYTES, got.length));
    }
}
