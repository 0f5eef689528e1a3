package io.chanmux.server.pool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.channel.PeerTable;
import io.chanmux.server.config.Settings;
import io.chanmux.server.config.PortRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pool's owner logic driven directly, with a manual clock and no pool or channel threads. */
class ChannelPoolTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private long nowNs = 1_000_000_000L;
    private ChannelDirectory directory;
    private ChannelPool pool;
    private final RecordingSession owner = new RecordingSession("owner");
    private final RecordingSession alice = new RecordingSession("alice");
    private final RecordingSession bob = new RecordingSession("bob");

    @BeforeEach
    void setUp() {
        ServerConfig config = ServerConfig.builder()
                .set(Settings.BIND, InetAddress.getLoopbackAddress())
                .set(Settings.UDP_PORTS, new PortRange(42_000, 42_099))
                .set(Settings.POOLS, 1)
                .set(Settings.PEER_TIMEOUT, Duration.ofSeconds(30))
                .set(Settings.BIND_TIMEOUT, Duration.ofSeconds(10))
                .build();
        directory = new ChannelDirectory(config, () -> nowNs);
        pool = directory.pools().getFirst();
        pool.startChannelsWith(relay -> { });
    }

    @AfterEach
    void tearDown() {
        directory.channels().forEach(entry -> ChannelDirectory.closeQuietly(entry.relay()));
    }

    @Test
    void shouldPublishTheNewPeerAndTellOtherMembersWhenAPeerJoins() throws Exception {
        ChannelEntry channel = create();
        JoinResult a = join(channel, alice, null);
        JoinResult b = join(channel, bob, null);

        PeerTable table = channel.relay().peers();
        assertEquals(2, table.size());
        assertNotNull(table.find(a.peer()));
        assertEquals(16, b.token().length);
        assertEquals(List.of("peer_joined:" + b.peer()), alice.eventSummaries());
        assertTrue(bob.events.isEmpty(), "the joiner is told about itself");
    }

    @Test
    void shouldEvictAnUnboundPeerAfterTheBindTimeoutAndABoundOneAfterThePeerTimeout() throws Exception {
        ChannelEntry channel = create();
        JoinResult a = join(channel, alice, null);
        JoinResult b = join(channel, bob, null);
        pool.apply(new PoolCommand.BindPeer(channel.relay(), b.peer(), new InetSocketAddress("127.0.0.1", 5555)));
        alice.events.clear();
        bob.events.clear();

        nowNs += Duration.ofSeconds(10).toNanos();
        pool.apply(new PoolCommand.SweepKeepalives());
        assertEquals(2, channel.relay().peers().size(), "evicted at exactly the timeout");

        nowNs += 1;
        pool.apply(new PoolCommand.SweepKeepalives());
        assertNull(channel.relay().peers().find(a.peer()), "unbound peer kept past the bind timeout");
        assertNotNull(channel.relay().peers().find(b.peer()), "bound peer evicted at the bind timeout");
        assertEquals(List.of("peer_left:" + a.peer() + ":timeout"), alice.eventSummaries());
        assertEquals(List.of("peer_left:" + a.peer() + ":timeout"), bob.eventSummaries());

        nowNs += Duration.ofSeconds(20).toNanos();
        pool.apply(new PoolCommand.SweepKeepalives());
        assertEquals(0, channel.relay().peers().size());
    }

    @Test
    void shouldKeepABoundPeerAliveWhileItIsHeardFrom() throws Exception {
        ChannelEntry channel = create();
        JoinResult a = join(channel, alice, null);
        pool.apply(new PoolCommand.BindPeer(channel.relay(), a.peer(), new InetSocketAddress("127.0.0.1", 5555)));

        for (int i = 0; i < 10; i++) {
            nowNs += Duration.ofSeconds(20).toNanos();
            channel.relay().peers().find(a.peer()).activity().record(nowNs, 10);
            pool.apply(new PoolCommand.SweepKeepalives());
        }

        assertEquals(1, channel.relay().peers().size());
    }

    @Test
    void shouldBindToTheSourceAddressAndKeepTheLivenessWhenRebinding() throws Exception {
        ChannelEntry channel = create();
        JoinResult a = join(channel, alice, null);
        InetSocketAddress first = new InetSocketAddress("127.0.0.1", 5555);
        InetSocketAddress second = new InetSocketAddress("127.0.0.1", 6666);

        pool.apply(new PoolCommand.BindPeer(channel.relay(), a.peer(), first));
        var liveness = channel.relay().peers().find(a.peer()).activity();
        pool.apply(new PoolCommand.BindPeer(channel.relay(), a.peer(), second));

        assertEquals(second, channel.relay().peers().find(a.peer()).address());
        assertEquals(liveness, channel.relay().peers().find(a.peer()).activity());
    }

    @Test
    void shouldDeleteOwnedChannelsAndRemovePeersWhenASessionCloses() throws Exception {
        ChannelEntry owned = create();
        CompletableFuture<ChannelEntry> created = directory.create(alice, null, 10, null);
        pool.applyPending();
        ChannelEntry other = created.get();
        join(owned, bob, null);
        JoinResult ownerAsPeer = join(other, owner, null);
        join(other, bob, null);
        bob.events.clear();

        pool.apply(new PoolCommand.SessionClosed(owner));

        assertNull(directory.find(owned.id()));
        assertNotNull(directory.find(other.id()));
        assertEquals(1, other.relay().peers().size());
        assertTrue(bob.eventSummaries().contains("channel_deleted:owner_left"));
        assertTrue(bob.eventSummaries().contains("peer_left:" + ownerAsPeer.peer() + ":disconnected"));
        assertEquals(1, directory.portsInUse());
    }

    @Test
    void shouldRefuseWithTheRightCodeWhenJoinBreaksARule() throws Exception {
        CompletableFuture<ChannelEntry> created = directory.create(owner, null, 1, "k");
        pool.applyPending();
        ChannelEntry keyed = created.get();

        assertEquals(ErrorCode.FORBIDDEN, refusal(keyed, alice, null));
        assertEquals(ErrorCode.FORBIDDEN, refusal(keyed, alice, "K"));
        join(keyed, alice, "k");
        assertEquals(ErrorCode.BAD_REQUEST, refusal(keyed, alice, "k"));
        assertEquals(ErrorCode.FULL, refusal(keyed, bob, "k"));
    }

    @Test
    void shouldIgnoreABindForAPeerThatLeftMeanwhile() throws Exception {
        ChannelEntry channel = create();
        JoinResult a = join(channel, alice, null);
        CompletableFuture<Void> left = new CompletableFuture<>();
        pool.apply(new PoolCommand.LeavePeer(channel.id(), alice, left));
        left.get();

        pool.apply(new PoolCommand.BindPeer(channel.relay(), a.peer(), new InetSocketAddress("127.0.0.1", 5555)));

        assertEquals(0, channel.relay().peers().size());
    }

    private ChannelEntry create() throws Exception {
        CompletableFuture<ChannelEntry> created;
        try {
            created = directory.create(owner, "test", 10, null);
        } catch (RequestException e) {
            throw new AssertionError(e);
        }
        assertEquals(1, pool.applyPending());
        return created.get();
    }

    private JoinResult join(ChannelEntry channel, SessionHandle session, String key) throws Exception {
        CompletableFuture<JoinResult> joined = new CompletableFuture<>();
        pool.apply(new PoolCommand.JoinPeer(channel.id(), session, key, joined));
        return joined.get();
    }

    private ErrorCode refusal(ChannelEntry channel, SessionHandle session, String key) {
        CompletableFuture<JoinResult> joined = new CompletableFuture<>();
        pool.apply(new PoolCommand.JoinPeer(channel.id(), session, key, joined));
        ExecutionException e = assertThrows(ExecutionException.class, joined::get);
        return assertInstanceOf(RequestException.class, e.getCause()).code();
    }

    /** A session that keeps the events pushed to it. */
    private static final class RecordingSession implements SessionHandle {
        private final String id;
        final List<JsonNode> events = new ArrayList<>();

        RecordingSession(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public void deliver(byte[] eventLine) {
            try {
                events.add(JSON.readTree(eventLine));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        List<String> eventSummaries() {
            List<String> summaries = new ArrayList<>();
            for (JsonNode e : events) {
                StringBuilder s = new StringBuilder(e.path("event").asText());
                if (e.has("peer")) {
                    s.append(':').append(e.path("peer").asLong());
                }
                if (e.has("reason")) {
                    s.append(':').append(e.path("reason").asText());
                }
                summaries.add(s.toString());
            }
            return summaries;
        }
    }
}
