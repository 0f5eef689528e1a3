package io.chanmux.server;

import io.chanmux.protocol.client.ChanmuxException;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.server.config.PortRange;
import io.chanmux.server.config.Settings;
import io.chanmux.server.config.UdpEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(60)
class PortsAndPoolsTest {

    @ParameterizedTest
    @EnumSource(UdpEngine.class)
    void shouldAnswerNoPortsWhenTheRangeIsExhaustedAndReuseADeletedChannelsPort(UdpEngine engine) throws Exception {
        int low = TestRelay.UDP_HIGH - 1;
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine)
                .set(Settings.UDP_PORTS, new PortRange(low, TestRelay.UDP_HIGH)))) {
            TestClient owner = relay.client("owner");
            ChannelInfo first = owner.create();
            ChannelInfo second = owner.create();
            assertEquals(Set.of(low, TestRelay.UDP_HIGH), Set.of(first.port(), second.port()));

            ChanmuxException refused = assertThrows(ChanmuxException.class, owner::create);
            assertEquals(ErrorCode.NO_PORTS, refused.error());

            owner.control().delete(first.channel());
            ChannelInfo third = owner.create();
            assertEquals(first.port(), third.port());
            // The reused port really serves the new channel.
            TestPeer a = relay.client("a").join(third.channel());
            TestPeer b = relay.client("b").join(third.channel());
            a.send("reused");
            assertEquals("reused", b.receivePayload());
        }
    }

    /**
     * A deleted channel's port is bound again by the very next create, every time: the delete is
     * answered only once the kernel has closed the socket. (With virtual threads, closing a socket
     * that a thread is receiving on leaves the kernel's close to that thread, once it runs.)
     */
    @ParameterizedTest
    @EnumSource(UdpEngine.class)
    void shouldBindADeletedChannelsPortAgainAtOnceEveryTime(UdpEngine engine) throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine)
                .set(Settings.UDP_PORTS, new PortRange(TestRelay.UDP_HIGH, TestRelay.UDP_HIGH))
                .set(Settings.REQUEST_RATE, 10_000))) {
            TestClient owner = relay.client("owner");
            for (int i = 0; i < 300; i++) {
                owner.control().delete(owner.create().channel());
            }
            assertEquals(TestRelay.UDP_HIGH, owner.create().port());
        }
    }

    @ParameterizedTest
    @EnumSource(UdpEngine.class)
    void shouldFreeEveryPortOfAnOwnerWhenItsSessionCloses(UdpEngine engine) throws Exception {
        int low = TestRelay.UDP_HIGH - 2;
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine)
                .set(Settings.UDP_PORTS, new PortRange(low, TestRelay.UDP_HIGH)))) {
            TestClient leaving = relay.client("leaving");
            Set<Integer> ports = new HashSet<>();
            Set<String> channels = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                ChannelInfo channel = leaving.create();
                ports.add(channel.port());
                channels.add(channel.channel());
            }
            leaving.close();
            await().until(() -> channels.stream().allMatch(id -> relay.server().directory().find(id) == null));

            // Each port is bound again at once: the kernel closed every socket before the directory freed it.
            TestClient next = relay.client("next");
            Set<Integer> reused = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                reused.add(next.create().port());
            }
            assertEquals(ports, reused);
        }
    }

    @Test
    void shouldSpreadChannelsEvenlyOverThePools() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.POOLS, 4).set(Settings.MAX_CHANNELS_PER_SESSION, 200)
                .set(Settings.REQUEST_RATE, 1000))) {
            TestClient owner = relay.client("owner");
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 100; i++) {
                ids.add(owner.create().channel());
            }
            assertEquals(100, ids.size());
            // The directory publishes a create's load just after handing the channel to its pool,
            // which may answer first: the last create's share can show a moment after its answer.
            await().until(() -> Arrays.equals(new int[] {25, 25, 25, 25}, relay.server().directory().poolLoads()));

            // Deleting from one pool makes it the least loaded: the next channel goes there.
            String any = ids.iterator().next();
            int pool = relay.server().directory().find(any).pool().index();
            owner.control().delete(any);
            owner.create();
            // Settles at 25 only if the new channel went to that pool (else another shows 26).
            await().until(() -> Arrays.equals(new int[] {25, 25, 25, 25}, relay.server().directory().poolLoads()));
        }
    }
}
