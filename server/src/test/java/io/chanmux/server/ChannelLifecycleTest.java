package io.chanmux.server;

import io.chanmux.protocol.client.ChanmuxException;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.client.ControlEvent;
import io.chanmux.protocol.client.CreateOptions;
import io.chanmux.protocol.control.ErrorCode;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
@ParameterizedClass(name = "{0}")
@EnumSource(UdpEngine.class)
class ChannelLifecycleTest {
    private final TestRelay relay;

    ChannelLifecycleTest(UdpEngine engine) {
        relay = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine));
    }

    @AfterEach
    void stop() {
        relay.close();
    }

    @Test
    void shouldTellOtherMembersWhenAPeerJoins() throws Exception {
        ChannelInfo channel = relay.client("owner").create();
        TestClient first = relay.client("first");
        first.join(channel.channel());
        TestPeer second = relay.client("second").join(channel.channel());

        ControlEvent joined = first.awaitEvent("peer_joined", e -> e.peer() == Integer.toUnsignedLong(second.id()));
        assertEquals(channel.channel(), joined.channel());
    }

    @Test
    void shouldTellMembersAndStopForwardingWhenAPeerLeaves() throws Exception {
        ChannelInfo channel = relay.client("owner").create();
        TestClient aliceSession = relay.client("alice");
        TestPeer alice = aliceSession.join(channel.channel());
        TestPeer bob = relay.client("bob").join(channel.channel());
        TestClient carolSession = relay.client("carol");
        TestPeer carol = carolSession.join(channel.channel());

        carolSession.control().leave(channel.channel());

        ControlEvent left = aliceSession.awaitEvent("peer_left", e -> e.peer() == Integer.toUnsignedLong(carol.id()));
        assertEquals("left", left.reason());
        alice.send("after-leave");
        assertEquals("after-leave", bob.receivePayload());
        assertTrue(carol.nothingPending(), "a peer that left still receives");
    }

    @Test
    void shouldTellMembersAndStopForwardingWhenTheOwnerDeletes() throws Exception {
        TestClient owner = relay.client("owner");
        ChannelInfo channel = owner.create();
        TestClient aliceSession = relay.client("alice");
        TestPeer alice = aliceSession.join(channel.channel());
        TestClient bobSession = relay.client("bob");
        TestPeer bob = bobSession.join(channel.channel());

        owner.control().delete(channel.channel());

        assertEquals("deleted", aliceSession.awaitEvent("channel_deleted", e -> true).reason());
        assertEquals("deleted", bobSession.awaitEvent("channel_deleted", e -> true).reason());
        alice.send("into-the-void");
        assertTrue(bob.nothingPending());
        assertEquals(0, relay.server().directory().portsInUse());
        assertTrue(owner.control().list().isEmpty());
    }

    @Test
    void shouldRefuseDeleteWhenTheSessionIsNotTheOwner() throws Exception {
        ChannelInfo channel = relay.client("owner").create();
        TestClient other = relay.client("other");

        ChanmuxException refused = assertThrows(ChanmuxException.class, () -> other.control().delete(channel.channel()));
        assertEquals(ErrorCode.FORBIDDEN, refused.error());
    }

    @Test
    void shouldDeleteTheChannelAndFreeItsPortWhenTheOwnerDisconnects() throws Exception {
        TestClient owner = relay.client("owner");
        ChannelInfo channel = owner.create();
        TestClient aliceSession = relay.client("alice");
        aliceSession.join(channel.channel());

        owner.close();

        assertEquals("owner_left", aliceSession.awaitEvent("channel_deleted", e -> true).reason());
        await().until(() -> relay.server().directory().portsInUse() == 0);
        assertTrue(aliceSession.control().list().isEmpty());
    }

    @Test
    void shouldRemoveThePeerWhenItsSessionDisconnects() throws Exception {
        ChannelInfo channel = relay.client("owner").create();
        TestClient aliceSession = relay.client("alice");
        TestPeer alice = aliceSession.join(channel.channel());
        TestClient bobSession = relay.client("bob");
        TestPeer bob = bobSession.join(channel.channel());

        bobSession.close();

        assertEquals("disconnected", aliceSession.awaitEvent("peer_left", e -> e.peer() == Integer.toUnsignedLong(bob.id())).reason());
        alice.send("anyone?");
        assertTrue(bob.nothingPending());
        assertEquals(1, relay.server().directory().peerCount());
    }

    @Test
    void shouldAnswerBadRequestWhenASessionJoinsTheSameChannelTwice() throws Exception {
        ChannelInfo channel = relay.client("owner").create();
        TestClient alice = relay.client("alice");
        alice.join(channel.channel());

        ChanmuxException refused = assertThrows(ChanmuxException.class, () -> alice.control().join(channel.channel()));
        assertEquals(ErrorCode.BAD_REQUEST, refused.error());
    }

    @Test
    void shouldRequireTheRightKeyWhenTheChannelHasOne() throws Exception {
        TestClient owner = relay.client("owner");
        ChannelInfo channel = owner.control().create(new CreateOptions("private", 0, "s3cret"));
        TestClient guest = relay.client("guest");

        assertEquals(ErrorCode.FORBIDDEN, assertThrows(ChanmuxException.class,
                () -> guest.control().join(channel.channel())).error());
        assertEquals(ErrorCode.FORBIDDEN, assertThrows(ChanmuxException.class,
                () -> guest.control().join(channel.channel(), "wrong")).error());
        guest.control().join(channel.channel(), "s3cret").bind(Duration.ofSeconds(5));
        assertTrue(guest.control().list().isEmpty(), "a keyed channel is listed to strangers");
        assertEquals(1, owner.control().list().size());
    }

    @Test
    void shouldAnswerFullWhenTheChannelHasMaxPeers() throws Exception {
        ChannelInfo channel = relay.client("owner").control().create(new CreateOptions(null, 2, null));
        relay.client("a").join(channel.channel());
        relay.client("b").join(channel.channel());

        ChanmuxException refused = assertThrows(ChanmuxException.class,
                () -> relay.client("c").control().join(channel.channel()));
        assertEquals(ErrorCode.FULL, refused.error());
    }

    @Test
    void shouldAnswerNotFoundWhenTheChannelDoesNotExistOrTheSessionIsNotAMember() throws Exception {
        TestClient client = relay.client("lost");
        ChannelInfo channel = client.create();

        assertEquals(ErrorCode.NOT_FOUND, assertThrows(ChanmuxException.class,
                () -> client.control().join("0123456789abcdef")).error());
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(ChanmuxException.class,
                () -> client.control().leave(channel.channel())).error());
    }
}
