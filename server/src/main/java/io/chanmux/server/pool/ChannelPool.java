package io.chanmux.server.pool;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.server.NanoClock;
import io.chanmux.server.SecureIds;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import io.chanmux.server.channel.BindRequests;
import io.chanmux.server.channel.Peer;
import io.chanmux.server.channel.PeerActivity;
import io.chanmux.server.channel.PeerRateLimit;
import io.chanmux.server.channel.PeerTable;
import io.chanmux.server.channel.RelayChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.function.Consumer;

/**
 * A group of channels that one virtual thread owns: their members, bindings and keepalives. The
 * pool's state changes only in {@link #apply}, on the pool's own thread, fed by a bounded queue
 * of {@link PoolCommand}s; other threads {@link #submit} commands and never touch the state.
 *
 * <p>{@link #run} is the pool thread. It owns a {@link StructuredTaskScope} in which it forks one
 * virtual thread per channel and a ticker that queues {@link PoolCommand.SweepKeepalives}; when
 * the pool thread is interrupted (server shutdown cancels the parent scope), it closes every
 * channel socket, which ends the channel threads, and the scope closes.
 */
public final class ChannelPool implements BindRequests {
    private static final Logger log = LoggerFactory.getLogger(ChannelPool.class);
    private static final PoolCommand.SweepKeepalives SWEEP = new PoolCommand.SweepKeepalives();

    private final int index;
    private final ChannelDirectory directory;
    private final NanoClock clock;
    private final ServerConfig config;
    private final long peerTimeoutNs;
    private final long bindTimeoutNs;
    private final BlockingQueue<PoolCommand> commands;
    private final Map<String, ChannelState> channels = new HashMap<>();
    private final Map<SessionHandle, Set<ChannelState>> channelsBySession = new HashMap<>();
    private final AtomicLong unboundEvictions = new AtomicLong();
    private final AtomicLong silentEvictions = new AtomicLong();
    private Consumer<RelayChannel> channelStarter = relay -> {
        throw new IllegalStateException("the pool is not running");
    };

    ChannelPool(int index, ChannelDirectory directory, ServerConfig config, NanoClock clock) {
        this.index = index;
        this.directory = directory;
        this.config = config;
        this.clock = clock;
        this.peerTimeoutNs = config.get(Settings.PEER_TIMEOUT).toNanos();
        this.bindTimeoutNs = config.get(Settings.BIND_TIMEOUT).toNanos();
        this.commands = new ArrayBlockingQueue<>(config.get(Settings.POOL_QUEUE_CAPACITY));
    }

    /** This pool's position in {@link ChannelDirectory#pools()}. */
    public int index() {
        return index;
    }

    /** Commands waiting in the queue. */
    public int queueDepth() {
        return commands.size();
    }

    /** Peers evicted for not binding within the bind timeout. */
    public long unboundEvictions() {
        return unboundEvictions.get();
    }

    /** Bound peers evicted for silence longer than the peer timeout. */
    public long silentEvictions() {
        return silentEvictions.get();
    }

    /** Queues a command without blocking; false when the queue is full. Any thread. */
    public boolean submit(PoolCommand command) {
        return commands.offer(command);
    }

    /** Queues a command that must not be lost, waiting for room as long as it takes. */
    public void submitWaiting(PoolCommand command) throws InterruptedException {
        commands.put(command);
    }

    @Override
    public boolean requestBind(RelayChannel channel, int peer, InetSocketAddress source) {
        return submit(new PoolCommand.BindPeer(channel, peer, source));
    }

    /** The pool thread: applies commands until interrupted. */
    public void run() {
        var threads = Thread.ofVirtual().name("pool" + index + "-", 0).factory();
        try (var scope = StructuredTaskScope.open(Joiner.awaitAll(),
                cfg -> cfg.withName("pool-" + index).withThreadFactory(threads))) {
            channelStarter = relay -> scope.fork(relay::run);
            scope.fork(this::tickKeepalives);
            try {
                while (true) {
                    apply(commands.take());
                }
            } catch (InterruptedException e) {
                // Shutdown. Keep the interrupt so join() returns at once and close() cancels the ticker.
                Thread.currentThread().interrupt();
            } finally {
                retireAll();
            }
            scope.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Applies one command to the pool's state. Pool thread only (or a test with no pool thread). */
    void apply(PoolCommand command) {
        try {
            switch (command) {
                case PoolCommand.AddChannel c -> onAddChannel(c);
                case PoolCommand.DeleteChannel c -> onDeleteChannel(c);
                case PoolCommand.JoinPeer c -> onJoinPeer(c);
                case PoolCommand.LeavePeer c -> onLeavePeer(c);
                case PoolCommand.KickPeer c -> onKickPeer(c);
                case PoolCommand.BindPeer c -> onBindPeer(c);
                case PoolCommand.SessionClosed c -> onSessionClosed(c.session());
                case PoolCommand.SweepKeepalives c -> onSweepKeepalives();
            }
        } catch (RuntimeException e) {
            log.error("pool {} failed to apply {}", index, command, e);
        }
    }

    /** Applies every queued command; for tests that drive the pool without its thread. Returns how many. */
    int applyPending() {
        int applied = 0;
        for (PoolCommand command; (command = commands.poll()) != null; applied++) {
            apply(command);
        }
        return applied;
    }

    /** Replaces how channel threads are started; for tests that drive {@link #apply} directly. */
    void startChannelsWith(Consumer<RelayChannel> starter) {
        this.channelStarter = starter;
    }

    private void onAddChannel(PoolCommand.AddChannel c) {
        ChannelEntry entry = c.channel();
        try {
            channelStarter.accept(entry.relay());
        } catch (RuntimeException e) {
            ChannelDirectory.closeQuietly(entry.relay());
            directory.remove(entry);
            c.done().completeExceptionally(new RequestException(ErrorCode.INTERNAL, "the server is shutting down"));
            return;
        }
        ChannelState channel = new ChannelState(entry);
        channels.put(entry.id(), channel);
        link(entry.owner(), channel);
        c.done().complete(null);
    }

    private void onDeleteChannel(PoolCommand.DeleteChannel c) {
        ChannelState channel = channels.get(c.channel());
        if (channel == null) {
            c.done().completeExceptionally(notFound(c.channel()));
        } else if (c.requester() != null && channel.entry.owner() != c.requester()) {
            c.done().completeExceptionally(new RequestException(ErrorCode.FORBIDDEN,
                    "only the session that created channel " + c.channel() + " may delete it"));
        } else {
            retire(channel, c.requester() == null ? "closed" : "deleted");
            c.done().complete(null);
        }
    }

    private void onJoinPeer(PoolCommand.JoinPeer c) {
        ChannelState channel = channels.get(c.channel());
        if (channel == null) {
            c.done().completeExceptionally(notFound(c.channel()));
            return;
        }
        ChannelEntry entry = channel.entry;
        if (entry.key() != null && !keysMatch(entry.key(), c.key())) {
            c.done().completeExceptionally(new RequestException(ErrorCode.FORBIDDEN,
                    c.key() == null ? "channel " + entry.id() + " needs a key" : "wrong key for channel " + entry.id()));
            return;
        }
        Member existing = channel.memberOf(c.session());
        if (existing != null) {
            c.done().completeExceptionally(new RequestException(ErrorCode.BAD_REQUEST, "this session already holds peer "
                    + Integer.toUnsignedString(existing.peer.id()) + " in channel " + entry.id()));
            return;
        }
        if (channel.members.size() >= entry.maxPeers()) {
            c.done().completeExceptionally(new RequestException(ErrorCode.FULL,
                    "channel " + entry.id() + " has its maximum of " + entry.maxPeers() + " peers"));
            return;
        }
        long now = clock.nanoTime();
        Peer peer = new Peer(directory.nextPeerId(), SecureIds.token(), null, new PeerActivity(now),
                new PeerRateLimit(config.get(Settings.PEER_RATE_PPS), config.get(Settings.PEER_RATE_BYTES), now));
        Member member = new Member(c.session(), peer);
        channel.add(member);
        link(c.session(), channel);
        channel.publish(channel.table.with(peer));
        channel.tellMembers(member, peerEvent("peer_joined", entry.id(), peer.id(), null));
        c.done().complete(new JoinResult(entry.id(), entry.port(), peer.id(), peer.token().clone()));
    }

    private void onLeavePeer(PoolCommand.LeavePeer c) {
        ChannelState channel = channels.get(c.channel());
        Member member = channel == null ? null : channel.memberOf(c.session());
        if (member == null) {
            c.done().completeExceptionally(new RequestException(ErrorCode.NOT_FOUND,
                    "this session is not a member of channel " + c.channel()));
            return;
        }
        removeMember(channel, member, "left");
        c.done().complete(null);
    }

    private void onKickPeer(PoolCommand.KickPeer c) {
        ChannelState channel = channels.get(c.channel());
        Member member = channel == null ? null : channel.members.get(c.peer());
        if (member == null) {
            c.done().completeExceptionally(new RequestException(ErrorCode.NOT_FOUND,
                    "no peer " + Integer.toUnsignedString(c.peer()) + " in channel " + c.channel()));
            return;
        }
        removeMember(channel, member, "kicked");
        c.done().complete(null);
    }

    private void onBindPeer(PoolCommand.BindPeer c) {
        ChannelState channel = channels.get(c.channel().id());
        Member member = channel == null || channel.entry.relay() != c.channel() ? null : channel.members.get(c.peer());
        if (member == null) {
            return; // left or evicted while the BIND was queued
        }
        if (!c.address().equals(member.peer.address())) {
            member.peer = member.peer.boundTo(c.address());
            channel.publish(channel.table.with(member.peer));
        }
        c.channel().sendBindOk(c.peer(), c.address());
    }

    private void onSessionClosed(SessionHandle session) {
        Set<ChannelState> linked = channelsBySession.remove(session);
        if (linked == null) {
            return;
        }
        for (ChannelState channel : List.copyOf(linked)) {
            if (channel.entry.owner() == session) {
                retire(channel, "owner_left");
                continue;
            }
            Member member = channel.memberOf(session);
            if (member != null) {
                removeMember(channel, member, "disconnected");
            }
        }
    }

    /** Notes that {@code session} owns or belongs to {@code channel}, so its end finds the channel at once. */
    private void link(SessionHandle session, ChannelState channel) {
        channelsBySession.computeIfAbsent(session, s -> new HashSet<>()).add(channel);
    }

    /** Forgets that link once the session neither owns nor belongs to the channel. */
    private void unlink(SessionHandle session, ChannelState channel) {
        Set<ChannelState> linked = channelsBySession.get(session);
        if (linked != null && linked.remove(channel) && linked.isEmpty()) {
            channelsBySession.remove(session);
        }
    }

    private void onSweepKeepalives() {
        long now = clock.nanoTime();
        for (ChannelState channel : List.copyOf(channels.values())) {
            for (Member member : List.copyOf(channel.members.values())) {
                boolean bound = member.peer.address() != null;
                if (now - member.peer.activity().lastSeenNs() > (bound ? peerTimeoutNs : bindTimeoutNs)) {
                    (bound ? silentEvictions : unboundEvictions).incrementAndGet();
                    removeMember(channel, member, "timeout");
                }
            }
        }
    }

    private void removeMember(ChannelState channel, Member member, String reason) {
        channel.remove(member);
        if (channel.entry.owner() != member.session) {
            unlink(member.session, channel);
        }
        channel.publish(channel.table.without(member.peer.id()));
        byte[] event = peerEvent("peer_left", channel.entry.id(), member.peer.id(), reason);
        channel.tellMembers(member, event);
        if (reason.equals("timeout") || reason.equals("kicked")) {
            member.session.deliver(event);
        }
    }

    private void retire(ChannelState channel, String reason) {
        channels.remove(channel.entry.id());
        ChannelDirectory.closeQuietly(channel.entry.relay());
        directory.remove(channel.entry);
        unlink(channel.entry.owner(), channel);
        ObjectNode fields = ControlCodec.object().put("channel", channel.entry.id()).put("reason", reason);
        byte[] event = ControlCodec.encodeEvent("channel_deleted", fields);
        for (Member member : channel.members.values()) {
            unlink(member.session, channel);
            member.session.deliver(event);
        }
        log.info("channel {} closed ({}), port {} free", channel.entry.id(), reason, channel.entry.port());
    }

    /** Shutdown: closes every channel, including ones whose {@code AddChannel} is still queued. */
    private void retireAll() {
        for (ChannelState channel : List.copyOf(channels.values())) {
            channels.remove(channel.entry.id());
            ChannelDirectory.closeQuietly(channel.entry.relay());
            directory.remove(channel.entry);
        }
        channelsBySession.clear();
        for (PoolCommand command; (command = commands.poll()) != null; ) {
            if (command instanceof PoolCommand.AddChannel add) {
                ChannelDirectory.closeQuietly(add.channel().relay());
                directory.remove(add.channel());
                add.done().completeExceptionally(new RequestException(ErrorCode.INTERNAL, "the server is shutting down"));
            }
        }
    }

    /** The ticker thread: queues a sweep every sweep interval until the pool's scope is cancelled. */
    private void tickKeepalives() {
        long periodMs = config.sweepInterval().toMillis();
        try {
            while (true) {
                Thread.sleep(periodMs);
                submit(SWEEP);
            }
        } catch (InterruptedException e) {
            // the pool is closing
        }
    }

    private static byte[] peerEvent(String name, String channel, int peer, String reason) {
        ObjectNode fields = ControlCodec.object().put("channel", channel).put("peer", Integer.toUnsignedLong(peer));
        if (reason != null) {
            fields.put("reason", reason);
        }
        return ControlCodec.encodeEvent(name, fields);
    }

    private static RequestException notFound(String channel) {
        return new RequestException(ErrorCode.NOT_FOUND, "no channel " + channel);
    }

    private static boolean keysMatch(String expected, String offered) {
        return offered != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                offered.getBytes(StandardCharsets.UTF_8));
    }

    /** One channel's members, as the pool thread keeps them. */
    private static final class ChannelState {
        final ChannelEntry entry;
        final Map<Integer, Member> members = new LinkedHashMap<>();
        private final Map<SessionHandle, Member> membersBySession = new HashMap<>();
        PeerTable table = PeerTable.EMPTY;

        ChannelState(ChannelEntry entry) {
            this.entry = entry;
        }

        void publish(PeerTable newTable) {
            table = newTable;
            entry.relay().publish(newTable);
        }

        void add(Member member) {
            members.put(member.peer.id(), member);
            membersBySession.put(member.session, member);
        }

        void remove(Member member) {
            members.remove(member.peer.id());
            membersBySession.remove(member.session);
        }

        Member memberOf(SessionHandle session) {
            return membersBySession.get(session);
        }

        /** Sends {@code event} to every member's session except {@code about}'s. */
        void tellMembers(Member about, byte[] event) {
            for (Member member : members.values()) {
                if (member != about) {
                    member.session.deliver(event);
                }
            }
        }
    }

    /** A member: the session that holds it and its current data-plane view. */
    private static final class Member {
        final SessionHandle session;
        Peer peer;

        Member(SessionHandle session, Peer peer) {
            this.session = session;
            this.peer = peer;
        }
    }
}
