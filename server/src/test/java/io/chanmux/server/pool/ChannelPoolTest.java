package io.chanmux.server.pool;

import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.protocol.control.ServerEvent;
import io.chanmux.server.channel.Peer;
import io.chanmux.server.channel.PeerTable;
import io.chanmux.server.config.LiveConfig;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pool's and the directory's owner logic driven directly, with a manual clock; the channels'
 * socket threads are started by the test, as the virtual-thread engine would start them.
 */
@Timeout(60)
class ChannelPoolTest {
    private long nowNs = 1_000_000_000L;
    private ChannelDirectory directory;
    private ChannelPool pool;
    private final RecordingSession owner = new RecordingSession("owner");
    private final RecordingSession alice = new RecordingSession("alice");
    private final RecordingSession bob = new RecordingSession("bob");

    @BeforeEach
    void setUp() throws IOException {
        ServerConfig config = ServerConfig.builder()
                .set(Settings.BIND, InetAddress.getLoopbackAddress())
                .set(Settings.POOLS, 1)
                .set(Settings.PEER_TIMEOUT, Duration.ofSeconds(30))
                .set(Settings.BIND_TIMEOUT, Duration.ofSeconds(10))
                .set(Settings.MAX_CHANNELS_PER_SESSION, 64)
                .build();
        directory = new ChannelDirectory(LiveConfig.fixed(config), () -> nowNs, new EphemeralPorts(100));
        pool = directory.pools().getFirst();
        pool.startChannelsWith(ChannelPoolTest::receiveOnAVirtualThread);
    }

    /** Each channel's socket thread, as the virtual-thread engine runs it: it receives until its socket closes. */
    private static void receiveOnAVirtualThread(Channel channel) {
        Thread.ofVirtual().start(channel.ownPort()::run);
    }

    @AfterEach
    void tearDown() {
        directory.channels().forEach(ChannelDirectory::closeQuietly);
    }

    @Test
    void shouldPublishTheNewPeerAndTellOtherMembersWhenAPeerJoins() throws Exception {
        Channel channel = create();
        Joined a = join(channel, alice, null);
        Joined b = join(channel, bob, null);

        PeerTable table = channel.relay().peers();
        assertEquals(2, table.size());
        assertNotNull(table.find(a.peer()));
        assertEquals(16, b.token().length);
        assertEquals(List.of("peer_joined:" + Integer.toUnsignedLong(b.peer())), alice.eventSummaries());
        assertTrue(bob.events.isEmpty(), "the joiner is told about itself");
    }

    @Test
    void shouldEvictAnUnboundPeerAfterTheBindTimeoutAndABoundOneAfterThePeerTimeout() throws Exception {
        Channel channel = create();
        Joined a = join(channel, alice, null);
        Joined b = join(channel, bob, null);
        bind(channel, b.peer(), new InetSocketAddress("127.0.0.1", 5555));
        alice.events.clear();
        bob.events.clear();

        nowNs += Duration.ofSeconds(10).toNanos();
        pool.apply(new PoolCommand.KeepaliveTick());
        assertEquals(2, channel.relay().peers().size(), "evicted at exactly the timeout");

        nowNs += Duration.ofSeconds(1).toNanos(); // the next tick
        pool.apply(new PoolCommand.KeepaliveTick());
        assertNull(channel.relay().peers().find(a.peer()), "unbound peer kept past the bind timeout");
        assertNotNull(channel.relay().peers().find(b.peer()), "bound peer evicted at the bind timeout");
        assertEquals(List.of("peer_left:" + Integer.toUnsignedLong(a.peer()) + ":timeout"), alice.eventSummaries());
        assertEquals(List.of("peer_left:" + Integer.toUnsignedLong(a.peer()) + ":timeout"), bob.eventSummaries());

        nowNs += Duration.ofSeconds(19).toNanos();
        pool.apply(new PoolCommand.KeepaliveTick());
        assertEquals(1, channel.relay().peers().size(), "evicted at exactly the timeout");
        nowNs += Duration.ofSeconds(1).toNanos();
        pool.apply(new PoolCommand.KeepaliveTick());
        assertEquals(0, channel.relay().peers().size());
    }

    @Test
    void shouldTellTheMembersWhoStayOfEveryPeerEvictedInOneTickButNotTheEvictedOfEachOther() throws Exception {
        RecordingSession carol = new RecordingSession("carol");
        Channel channel = create();
        Joined o = join(channel, owner, null);
        Joined a = join(channel, alice, null);
        Joined b = join(channel, bob, null);
        Joined c = join(channel, carol, null);
        List.of(owner, alice, bob, carol).forEach(session -> session.events.clear());
        PeerTable before = channel.relay().peers();

        nowNs += Duration.ofSeconds(10).toNanos() + 1;
        before.find(c.peer()).activity().record(0, nowNs, 10);
        pool.apply(new PoolCommand.KeepaliveTick());

        PeerTable after = channel.relay().peers();
        assertEquals(1, after.size());
        assertNotNull(after.find(c.peer()));
        assertNotNull(pool.indexedPeer(c.peer()));
        List<String> left = new ArrayList<>();
        for (Joined evicted : List.of(o, a, b)) {
            assertNull(pool.indexedPeer(evicted.peer()), "an evicted peer left in the pool's index");
            left.add("peer_left:" + Integer.toUnsignedLong(evicted.peer()) + ":timeout");
        }
        // In the order of their looks, which ties on the time break by peer id.
        assertEquals(left.stream().sorted().toList(), carol.eventSummaries().stream().sorted().toList());
        assertEquals(List.of(left.get(0)), owner.eventSummaries(), "told of a peer evicted with it");
        assertEquals(List.of(left.get(1)), alice.eventSummaries(), "told of a peer evicted with her");
        assertEquals(List.of(left.get(2)), bob.eventSummaries(), "told of a peer evicted with him");
        for (RecordingSession evicted : List.of(owner, alice, bob)) {
            assertEquals(0, evicted.memberships, evicted.id() + "'s memberships");
            assertEquals(evicted == owner ? 1 : 0, evicted.channelsHeld, evicted.id() + "'s channels");
        }
        assertEquals(1, carol.memberships);
    }

    @Test
    void shouldKeepABoundPeerAliveWhileItIsHeardFrom() throws Exception {
        Channel channel = create();
        Joined a = join(channel, alice, null);
        bind(channel, a.peer(), new InetSocketAddress("127.0.0.1", 5555));

        for (int i = 0; i < 10; i++) {
            nowNs += Duration.ofSeconds(20).toNanos();
            channel.relay().peers().find(a.peer()).activity().record(0, nowNs, 10);
            pool.apply(new PoolCommand.KeepaliveTick());
        }

        assertEquals(1, channel.relay().peers().size());
    }

    @Test
    void shouldLookAtMostAThousandPeersATickAndComeBackSoonForTheRest() throws Exception {
        // 40 channels and 1,040 peers, all due at once: two ticks, the second 50 ms after the first.
        List<RecordingSession> joiners = joinEach(createChannels(40), 26);
        assertEquals(1000, pool.keepaliveTickIntervalMs(), "the tick interval: a quarter of the 10 s timeout, at most 1 s");
        nowNs += Duration.ofSeconds(11).toNanos();

        pool.apply(new PoolCommand.KeepaliveTick());
        assertEquals(ChannelPool.LOOKS_PER_TICK, pool.unboundEvictions(), "one tick's looks");
        assertEquals(ChannelPool.BACKLOG_TICK_MS, pool.keepaliveTickIntervalMs(), "looks left over");
        nowNs += Duration.ofMillis(ChannelPool.BACKLOG_TICK_MS).toNanos();
        pool.apply(new PoolCommand.KeepaliveTick());
        assertEquals(40 * 26, pool.unboundEvictions(), "the rest");
        assertEquals(1000, pool.keepaliveTickIntervalMs());
        joiners.forEach(joiner -> assertEquals(0, joiner.memberships));
        assertEquals(0, pool.scheduledLooks());
    }

    @Test
    void shouldLookAtAPeerThatIsHeardFromOncePerTimeoutNotAtEveryTick() throws Exception {
        Channel channel = create();
        Joined a = join(channel, alice, null);
        bind(channel, a.peer(), new InetSocketAddress("127.0.0.1", 5555));
        var activity = channel.relay().peers().find(a.peer()).activity();
        long joinedNs = nowNs;
        long second = Duration.ofSeconds(1).toNanos();
        List<Long> nextLooks = new ArrayList<>();
        for (int tick = 1; tick <= 42; tick++) {
            nowNs = joinedNs + tick * second;
            activity.record(0, nowNs, 10);
            pool.apply(new PoolCommand.KeepaliveTick());
            nextLooks.add(pool.nextLookNs(channel.id(), a.peer()) - joinedNs);
        }
        // Heard at every tick: looked at first within the join's 10 s (in their later half, at
        // random), then, bound, every 30 s (the peer timeout), and left alone at the ticks between.
        List<Long> looks = nextLooks.stream().distinct().toList();
        assertEquals(3, looks.size(), "looks " + looks);
        assertTrue(looks.get(0) >= 5 * second && looks.get(0) <= 10 * second + 1, "first look " + looks.get(0));
        assertEquals(30 * second, looks.get(2) - looks.get(1));
        assertEquals(1, channel.relay().peers().size());
    }

    @Test
    void shouldForgetThePeersOfADeletedChannel() throws Exception {
        List<Channel> channels = createChannels(40);
        List<RecordingSession> joiners = joinEach(channels, 26);
        assertEquals(40 * 26, pool.scheduledLooks());
        for (Channel channel : channels) {
            pool.apply(new PoolCommand.DeleteChannel(channel.id(), owner, new RecordingAnswer<>()));
        }
        joiners.forEach(joiner -> joiner.events.clear());
        assertEquals(0, pool.scheduledLooks(), "a deleted channel's peers still scheduled");
        nowNs += Duration.ofSeconds(11).toNanos();

        pool.apply(new PoolCommand.KeepaliveTick());
        assertEquals(0, pool.unboundEvictions(), "a deleted channel's peers evicted again");
        for (RecordingSession joiner : joiners) {
            assertEquals(0, joiner.memberships, "memberships released twice");
            assertEquals(List.of(), joiner.eventSummaries());
        }
    }

    @Test
    void shouldReportWhatASessionHoldsAsItCreatesJoinsLeavesAndIsEvicted() throws Exception {
        Channel channel = create();
        assertEquals(1, owner.channelsHeld, "an owner holds its channel");
        assertEquals(0, owner.memberships);

        join(channel, alice, null);
        join(channel, owner, null);
        assertEquals(1, alice.channelsHeld);
        assertEquals(1, alice.memberships);
        assertEquals(1, owner.channelsHeld, "owning and joining one channel is one channel held");
        assertEquals(1, owner.memberships);

        RecordingAnswer<Void> left = new RecordingAnswer<>();
        pool.apply(new PoolCommand.LeavePeer(channel.id(), alice, left));
        assertEquals(0, alice.channelsHeld);
        assertEquals(0, alice.memberships);

        nowNs += Duration.ofSeconds(11).toNanos();
        pool.apply(new PoolCommand.KeepaliveTick());
        assertEquals(0, owner.memberships, "evicted");
        assertEquals(1, owner.channelsHeld, "still the owner");
    }

    @Test
    void shouldDeleteOwnedChannelsAndRemovePeersWhenASessionCloses() throws Exception {
        Channel owned = create();
        Channel other = create(alice, null, 10, null);
        join(owned, bob, null);
        Joined ownerAsPeer = join(other, owner, null);
        join(other, bob, null);
        bob.events.clear();

        pool.apply(new PoolCommand.SessionClosed(owner));

        assertNotNull(directory.find(owned.id()), "listed until its thread reports its end");
        directory.channelEnded(owned);
        directory.applyPending();
        assertNull(directory.find(owned.id()));
        assertNotNull(directory.find(other.id()));
        assertEquals(1, other.relay().peers().size());
        assertTrue(bob.eventSummaries().contains("channel_deleted:owner_left"));
        assertTrue(bob.eventSummaries().contains("peer_left:" + Integer.toUnsignedLong(ownerAsPeer.peer()) + ":disconnected"));
        assertEquals(1, directory.portsInUse());
    }

    @Test
    void shouldHintRebindAtMostOnceASecondWhenABoundPeersIdComesFromAnotherAddress() throws Exception {
        Channel channel = create();
        Peer peer = joinBound(channel, alice);

        pool.apply(new PoolCommand.KeepaliveTick());
        assertEquals(List.of(), alice.eventSummaries(), "a hint without a wrong source");
        peer.recordWrongSource(0, ++nowNs); // as the socket thread does on a wrong_source drop
        pool.apply(new PoolCommand.KeepaliveTick());
        peer.recordWrongSource(0, ++nowNs);
        pool.apply(new PoolCommand.KeepaliveTick());
        assertEquals(List.of("rebind:" + Integer.toUnsignedLong(peer.id())), alice.eventSummaries(), "one hint within a second");

        nowNs += Duration.ofSeconds(1).toNanos();
        pool.apply(new PoolCommand.KeepaliveTick());
        assertEquals(List.of("rebind:" + Integer.toUnsignedLong(peer.id()), "rebind:" + Integer.toUnsignedLong(peer.id())), alice.eventSummaries());
        pool.apply(new PoolCommand.KeepaliveTick());
        assertEquals(2, alice.eventSummaries().size(), "a hint with no new wrong source");
        assertEquals(2, pool.rebindHints());
    }

    @Test
    void shouldNotHintAPeerThatLeftAfterItsIdCameFromAWrongSource() throws Exception {
        Channel channel = create();
        joinBound(channel, alice).recordWrongSource(0, ++nowNs);
        pool.apply(new PoolCommand.LeavePeer(channel.id(), alice, new RecordingAnswer<>()));
        alice.events.clear();

        nowNs += Duration.ofSeconds(2).toNanos();
        pool.apply(new PoolCommand.KeepaliveTick());
        assertEquals(List.of(), alice.eventSummaries());
        assertEquals(0, pool.rebindHints());
    }

    /**
     * A socket closed while a virtual thread receives on it is closed in the kernel only once that
     * thread runs again, so the pool answers a delete (and frees the port) only once the channel's
     * thread has left its receive: here a thread held back, not yet started, until the test starts it.
     */
    @Test
    void shouldAnswerADeleteOnlyOnceTheChannelsThreadHasLeftItsReceive() throws Exception {
        pool.waitForRunEndsUpTo(Duration.ofMinutes(5)); // the class's timeout comes first
        List<Channel> notYetStarted = new ArrayList<>();
        pool.startChannelsWith(notYetStarted::add);
        Channel channel = create();
        RecordingAnswer<Void> deleted = new RecordingAnswer<>();
        Thread deleter = Thread.ofVirtual().start(
                () -> pool.apply(new PoolCommand.DeleteChannel(channel.id(), owner, deleted)));

        await().until(() -> deleter.getState() == Thread.State.TIMED_WAITING || deleted.answered);
        assertFalse(deleted.answered, "answered before the channel's thread left its receive");
        assertEquals(List.of(channel), notYetStarted);

        receiveOnAVirtualThread(channel);
        deleter.join();
        assertTrue(deleted.answered);
        assertNull(deleted.refusal);
    }

    /** A channel's thread that never runs holds a delete up for a bounded time only, not for good. */
    @Test
    void shouldAnswerADeleteAfterABoundedWaitWhenTheChannelsThreadNeverRuns() throws Exception {
        pool.waitForRunEndsUpTo(Duration.ofMillis(10));
        pool.startChannelsWith(channel -> { });
        Channel channel = create();
        RecordingAnswer<Void> deleted = new RecordingAnswer<>();

        pool.apply(new PoolCommand.DeleteChannel(channel.id(), owner, deleted));

        assertTrue(deleted.answered);
        assertNull(deleted.refusal);
        directory.applyPending();
        assertNull(directory.find(channel.id()));
    }

    @Test
    void shouldNotHintAPeerWhoseHintWasHeldBackOnceItsChannelIsDeleted() throws Exception {
        Channel channel = create();
        Peer peer = joinBound(channel, alice);
        peer.recordWrongSource(0, ++nowNs);
        pool.apply(new PoolCommand.KeepaliveTick()); // hinted
        peer.recordWrongSource(0, ++nowNs);
        pool.apply(new PoolCommand.KeepaliveTick()); // held back: within a second of the hint
        pool.apply(new PoolCommand.DeleteChannel(channel.id(), owner, new RecordingAnswer<>()));
        assertEquals(List.of("rebind:" + Integer.toUnsignedLong(peer.id()), "channel_deleted:deleted"), alice.eventSummaries());

        nowNs += Duration.ofSeconds(2).toNanos();
        pool.apply(new PoolCommand.KeepaliveTick());
        assertEquals(2, alice.eventSummaries().size(), "a hint after channel_deleted");
        assertEquals(1, pool.rebindHints());
    }

    @Test
    void shouldHandOutIdsThatNameTheirPoolAndAreUniqueOnTheNode() throws IOException {
        ServerConfig config = ServerConfig.builder().set(Settings.BIND, InetAddress.getLoopbackAddress()).set(Settings.POOLS, 3).build();
        ChannelDirectory three = new ChannelDirectory(LiveConfig.fixed(config), () -> nowNs, new EphemeralPorts(10));
        java.util.Set<Integer> ids = new java.util.HashSet<>();
        for (ChannelPool each : three.pools()) {
            each.startChannelsWith(ChannelPoolTest::receiveOnAVirtualThread);
            RecordingAnswer<ChannelCreated> created = new RecordingAnswer<>();
            three.requestCreate(owner, null, 100, null, created);
            three.applyPending();
            each.applyPending();
        }
        for (Channel channel : three.channels()) {
            for (int i = 0; i < 50; i++) {
                RecordingAnswer<Joined> joined = new RecordingAnswer<>();
                channel.pool().apply(new PoolCommand.JoinPeer(channel.id(), new RecordingSession("s" + i), null, joined));
                int id = joined.result.peer();
                assertEquals(channel.pool().index(), ChannelPool.poolOf(id, 3), "peer " + id);
                assertTrue(ids.add(id), "peer " + id + " handed out twice");
            }
        }
        three.channels().forEach(ChannelDirectory::closeQuietly);
    }

    @Test
    void shouldRefuseWithTheRightCodeWhenJoinBreaksARule() throws Exception {
        Channel keyed = create(owner, null, 1, "k");

        assertEquals(ErrorCode.FORBIDDEN, refusal(keyed, alice, null));
        assertEquals(ErrorCode.FORBIDDEN, refusal(keyed, alice, "K"));
        join(keyed, alice, "k");
        assertEquals(ErrorCode.BAD_REQUEST, refusal(keyed, alice, "k"));
        assertEquals(ErrorCode.FULL, refusal(keyed, bob, "k"));
    }

    private List<Channel> createChannels(int count) {
        List<Channel> channels = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            channels.add(create(owner, null, 30, null));
        }
        return channels;
    }

    /** Has each of {@code sessions} new sessions join every channel, unbound. */
    private List<RecordingSession> joinEach(List<Channel> channels, int sessions) {
        List<RecordingSession> joiners = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            RecordingSession joiner = new RecordingSession("joiner" + i);
            channels.forEach(channel -> join(channel, joiner, null));
            joiners.add(joiner);
        }
        return joiners;
    }

    private Channel create() throws Exception {
        return create(owner, "test", 10, null);
    }

    private Channel create(SessionHandle session, String name, int maxPeers, String key) {
        RecordingAnswer<ChannelCreated> created = new RecordingAnswer<>();
        assertTrue(directory.requestCreate(session, name, maxPeers, key, created));
        assertEquals(1, directory.applyPending());
        assertEquals(1, pool.applyPending());
        assertNull(created.refusal);
        return directory.find(created.result.channel());
    }

    private Joined join(Channel channel, SessionHandle session, String key) {
        RecordingAnswer<Joined> joined = new RecordingAnswer<>();
        pool.apply(new PoolCommand.JoinPeer(channel.id(), session, key, joined));
        assertNull(joined.refusal);
        return joined.result;
    }

    /** Binds as the channel thread would once a CONFIRM verified: this test plays that thread. */
    /** {@code session} joins {@code channel} and binds its peer, which is returned. */
    private Peer joinBound(Channel channel, RecordingSession session) throws Exception {
        Joined joined = join(channel, session, null);
        bind(channel, joined.peer(), new InetSocketAddress("127.0.0.1", 5555));
        return channel.relay().peers().find(joined.peer());
    }

    private static void bind(Channel channel, int peer, InetSocketAddress address) {
        channel.relay().peers().find(peer).bind(address);
    }

    private ErrorCode refusal(Channel channel, SessionHandle session, String key) {
        RecordingAnswer<Joined> joined = new RecordingAnswer<>();
        pool.apply(new PoolCommand.JoinPeer(channel.id(), session, key, joined));
        assertNotNull(joined.refusal);
        return joined.refusal.code();
    }

    /** An answer that keeps what it was told. */
    private static final class RecordingAnswer<T> implements Answer<T> {
        T result;
        RequestException refusal;
        volatile boolean answered;

        @Override
        public void ok(T value) {
            result = value;
            answered = true;
        }

        @Override
        public void refuse(RequestException e) {
            refusal = e;
            answered = true;
        }
    }

    /** A session that keeps the events pushed to it. */
    private static final class RecordingSession implements SessionHandle {
        private final String id;
        final List<ServerEvent> events = new ArrayList<>();
        int channelsHeld;
        int memberships;

        RecordingSession(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void tell(ServerEvent event, boolean essential) {
            events.add(event);
        }

        @Override
        public void holdingsChanged(int channelsDelta, int membershipsDelta) {
            channelsHeld += channelsDelta;
            memberships += membershipsDelta;
        }

        List<String> eventSummaries() {
            List<String> summaries = new ArrayList<>();
            for (ServerEvent e : events) {
                summaries.add(switch (e) {
                    case ServerEvent.PeerJoined j -> "peer_joined:" + Integer.toUnsignedLong(j.peer());
                    case ServerEvent.PeerLeft l -> "peer_left:" + Integer.toUnsignedLong(l.peer()) + ":"
                            + l.reason().wireName();
                    case ServerEvent.ChannelDeleted d -> "channel_deleted:" + d.reason().wireName();
                    case ServerEvent.Draining d -> "draining";
                    case ServerEvent.Rebind r -> "rebind:" + Integer.toUnsignedLong(r.peer());
                });
            }
            return summaries;
        }
    }
}
