package io.chanmux.server.pool;

import io.chanmux.server.config.Settings;
import io.chanmux.server.config.UdpEngine;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.EventReason;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.protocol.control.ServerEvent;
import io.chanmux.server.config.LiveConfig;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.base.ConstantTime;
import io.chanmux.server.base.NanoClock;
import io.chanmux.server.base.SecureIds;
import io.chanmux.server.base.TimingWheel;
import io.chanmux.server.channel.Peer;
import io.chanmux.server.channel.PeerIndex;
import io.chanmux.server.channel.PeerTable;
import io.chanmux.server.channel.RebindSignal;
import io.chanmux.server.channel.RelayPort;
import io.chanmux.server.pool.ChannelMembers.Member;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A pool of channels (not of threads): a group of channels whose members and keepalives one
 * virtual thread owns (socket threads own the bindings). The pool's state changes only in {@link #apply}, on the pool's own
 * thread, fed by a bounded queue of {@link PoolCommand}s; other threads {@link #submit} commands
 * and never touch the state. Requests are answered through the {@link Answer} they carry, from
 * this thread, so a reply reaches its session in order with this pool's events.
 *
 * <p>{@link #run} is the pool thread. It owns a {@link StructuredTaskScope} in which it forks one
 * virtual thread per channel that has a port of its own, the socket thread of its socket of the
 * shared port (single-port mode), and a ticker that queues a {@link PoolCommand.KeepaliveTick}
 * every tick interval: the tick evicts the members whose look is due and found silent (a {@link
 * TimingWheel} of looks), and hints {@code rebind} when a socket thread has raised the pool's {@link
 * RebindSignal}. A channel's thread, as its last act, tells the {@link
 * ChannelDirectory} it has ended, which frees its port; a channel on the shared port has no
 * thread, so the pool tells the directory itself once it has unpublished the channel's members.
 * When the pool thread is interrupted (server shutdown cancels the parent scope), it closes every
 * socket it serves, which ends their threads, refuses every queued request, and the scope closes.
 *
 * <p>With {@code --udp-engine poll-loop} the channels' own sockets have no thread each: one
 * platform thread, the pool's {@link PollLoop}, forked in a scope nested in the pool's, serves
 * them all. The pool thread hands it each new channel's socket; when it retires a channel it
 * closes the socket and waits for the loop to deregister it before it tells the directory, as it
 * waits for a channel's thread to leave its receive in the other engine (only then has the
 * kernel closed the socket), so the port is free for the next create (a closing owner's sockets
 * are all closed first, then waited for). A channel that fails in the loop is closed and
 * handed back as one whose thread ended. The loop also serves the pool's socket of the shared port,
 * in place of its virtual thread.
 *
 * <p>The pool is the single writer of its {@link PeerIndex}: every peer of its channels by id,
 * which keeps ids unique on the node and lets the shared port's socket threads find any sender's
 * channel without a lock.
 */
public final class ChannelPool {
    private static final Logger log = LoggerFactory.getLogger(ChannelPool.class);
    private static final PoolCommand.KeepaliveTick TICK = new PoolCommand.KeepaliveTick();
    /**
     * The most members one tick looks at, a millisecond or so of a carrier when their objects are
     * not cached; a tick that leaves due looks brings the next within {@link #BACKLOG_TICK_MS}.
     */
    static final int LOOKS_PER_TICK = 1_000;
    /** The tick interval while looks are left over. */
    static final long BACKLOG_TICK_MS = 50;
    /** The shortest time between two {@code rebind} hints to one peer. */
    static final long REBIND_HINT_INTERVAL_NS = 1_000_000_000L;

    private final int index;
    private final int poolCount;
    private final ChannelDirectory directory;
    private final NanoClock clock;
    private final LiveConfig live;
    private final long peerTimeoutNs;
    private final long bindTimeoutNs;
    /** A joining member's first look comes in the later half of the shorter timeout. */
    private final long shorterTimeoutNs;
    /** How often the ticker queues a {@link PoolCommand.KeepaliveTick}: {@link ServerConfig#keepaliveTickInterval}. */
    private final long tickIntervalMs;
    private final BlockingQueue<PoolCommand> commands;
    private final int queueCapacity;
    private final PeerIndex peerIndex;
    /** This pool's socket of the shared port, or null (a port per channel, or fewer sockets than pools). */
    private final RelayPort sharedReader;
    /** How many ids this pool can hand out before they repeat: ids stay below 2^32 and encode the pool. */
    private final long idsPerPool;
    private final Map<String, ChannelMembers> channels = new HashMap<>();
    /** When each member of {@link #channels} is next looked at for silence. */
    private final TimingWheel<Member> keepalives;
    /** Whether the last tick left due looks for the next; written by the pool thread, read by the ticker. */
    private volatile boolean looksLeftOver;
    /** Raised by socket threads when a member's id comes from an address it is not bound to. */
    private final RebindSignal rebindSignal = new RebindSignal();
    /**
     * Peers to look at for a {@code rebind} hint: those the signal names, kept across ticks while
     * the once-a-second limit holds their hint back. Pool thread only.
     */
    private final Set<Peer> hintCandidates = new LinkedHashSet<>();
    private final Map<SessionHandle, Set<ChannelMembers>> channelsBySession = new HashMap<>();
    private final AtomicLong unboundEvictions = new AtomicLong();
    private final AtomicLong silentEvictions = new AtomicLong();
    private final AtomicLong rebindHints = new AtomicLong();
    /**
     * Released by the pool thread as it finishes a tick, taken by the ticker before it waits for the
     * next: at most one tick is queued, and the ticker reads {@link #looksLeftOver} once the tick
     * that wrote it has run.
     */
    private final Semaphore tickApplied = new Semaphore(0);
    /** Set once the pool thread has stopped: commands queued later are refused by their sender. */
    private volatile boolean stopped;
    /**
     * How long a retire waits for all the channels it closes together, for their threads to leave
     * their receives (virtual-thread engine): each needs only its turn on a carrier, so this is
     * reached only by a thread that did not run for that long (never started, or starved of
     * carriers), which must not hold the pool up for good. A second, unless a test set another
     * ({@link #waitForRunEndsUpTo}).
     */
    private long runEndWaitNs = Duration.ofSeconds(1).toNanos();
    private Consumer<Channel> channelStarter = channel -> {
        throw new IllegalStateException("the pool is not running");
    };
    /**
     * The poll loop serving this pool's sockets, its channels' own and its socket of the shared port
     * ({@code --udp-engine poll-loop}), else null.
     * Its selector is opened with the pool, so a server that cannot have one fails to start.
     */
    private final PollLoop pollLoop;

    /** @throws IOException when the poll loop's selector cannot be opened */
    ChannelPool(int index, int poolCount, ChannelDirectory directory, LiveConfig live, NanoClock clock,
                PeerIndex peerIndex, RelayPort sharedReader) throws IOException {
        this.index = index;
        this.poolCount = poolCount;
        this.peerIndex = peerIndex;
        this.sharedReader = sharedReader;
        this.idsPerPool = 0xFFFF_FFFFL / poolCount;
        this.directory = directory;
        this.live = live;
        this.clock = clock;
        ServerConfig config = live.current(); // the settings below need a restart to change
        this.peerTimeoutNs = config.get(Settings.PEER_TIMEOUT).toNanos();
        this.bindTimeoutNs = config.get(Settings.BIND_TIMEOUT).toNanos();
        this.shorterTimeoutNs = Math.min(peerTimeoutNs, bindTimeoutNs);
        this.tickIntervalMs = config.keepaliveTickInterval().toMillis();
        this.keepalives = new TimingWheel<>(config.keepaliveTickInterval().toNanos(),
                Math.max(peerTimeoutNs, bindTimeoutNs) + 1, clock.nanoTime());
        this.queueCapacity = config.get(Settings.POOL_QUEUE_CAPACITY);
        this.commands = new ArrayBlockingQueue<>(queueCapacity);
        this.pollLoop = config.get(Settings.UDP_ENGINE) != UdpEngine.POLL_LOOP ? null
                : PollLoop.open(index, sharedReader, config.get(Settings.MAX_DATAGRAM), config.get(Settings.UDP_GSO),
                        queueCapacity, config.get(Settings.POLL_LOOP_BUSY_POLL), this::endChannel);
    }

    /** Closes what the pool opened, for a server that fails before its pools start. */
    void closeUnstarted() {
        if (pollLoop != null) {
            pollLoop.closeUnstarted();
        }
    }

    /** This pool's position in {@link ChannelDirectory#pools()}. */
    public int index() {
        return index;
    }

    /**
     * The pool that handed out {@code peerId}: ids are {@code pool + 1 + k × pools} below 2^32
     * ({@link #nextPeerId}), so the pool is {@code (id - 1) mod pools}. Any thread; no allocation.
     */
    static int poolOf(int peerId, int pools) {
        return Integer.remainderUnsigned(peerId - 1, pools);
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

    /** Whether this pool's poll loop polls without sleeping for now; false with the virtual-thread engine. */
    public boolean busyPolling() {
        return pollLoop != null && pollLoop.busyPolling();
    }

    /** Polls of this pool's poll loop that found no socket ready; 0 with the virtual-thread engine. */
    public long emptyPolls() {
        return pollLoop == null ? 0 : pollLoop.emptyPolls();
    }

    /** Turns of this pool's poll loop that failed and were skipped; 0 with the virtual-thread engine. */
    public long pollLoopTurnFailures() {
        return pollLoop == null ? 0 : pollLoop.turnFailures();
    }

    /** {@code rebind} hints sent to sessions whose peer's datagrams came from a wrong source. */
    public long rebindHints() {
        return rebindHints.get();
    }

    /** How long the ticker waits before it queues the next {@link PoolCommand.KeepaliveTick}. Any thread. */
    long keepaliveTickIntervalMs() {
        return looksLeftOver ? Math.min(BACKLOG_TICK_MS, tickIntervalMs) : tickIntervalMs;
    }

    /** When the pool next looks at the peer for silence. Tests. */
    long nextLookNs(String channel, int peerId) {
        return channels.get(channel).byPeer.get(peerId).scheduledLookNs();
    }

    /** Members with a look scheduled. Tests. */
    int scheduledLooks() {
        return keepalives.size();
    }

    /** The signal this pool's channels raise on a wrong source; given to each channel as it is created. */
    RebindSignal rebindSignal() {
        return rebindSignal;
    }

    /** The peer with this id in the pool's index, through which the shared port finds senders, or null. Tests. */
    Peer indexedPeer(int peerId) {
        return peerIndex.find(peerId);
    }

    /** Queues a command without blocking; false when the queue is full. Any thread. */
    public boolean submit(PoolCommand command) {
        if (!commands.offer(command)) {
            return false;
        }
        if (stopped) {
            refuseQueued();
        }
        return true;
    }

    /** Queues a command that must not be lost, waiting for room as long as it takes. */
    public void submitWaiting(PoolCommand command) throws InterruptedException {
        commands.put(command);
        if (stopped) {
            refuseQueued();
        }
    }

    /** The pool thread: applies commands until interrupted. */
    public void run() {
        var threads = Thread.ofVirtual().name("pool" + index + "-", 0).factory();
        try (var scope = openScope("pool-" + index, threads)) {
            if (sharedReader != null && pollLoop == null) {
                scope.fork(sharedReader::run);
            }
            scope.fork(this::tickKeepalives);
            if (pollLoop != null) {
                runWithPollLoop();
            } else {
                channelStarter = channel -> scope.fork(() -> runChannel(channel));
                applyUntilInterrupted();
            }
            scope.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The pool thread with the poll-loop engine: the loop gets a platform thread, in a scope of
     * its own nested in the pool's (a scope has one thread factory, and the pool's makes virtual
     * threads), which the pool thread closes, interrupting the loop, once it has retired everything.
     */
    private void runWithPollLoop() {
        var thread = Thread.ofPlatform().name("pool" + index + "-poll").factory();
        try (var scope = openScope("pool-" + index + "-poll", thread)) {
            scope.fork(pollLoop::run);
            channelStarter = pollLoop::register;
            applyUntilInterrupted();
            scope.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A scope whose threads {@code threads} makes, that waits for them all: the pool's, or its poll loop's. */
    private static StructuredTaskScope<Object, Void> openScope(String name, ThreadFactory threads) {
        return StructuredTaskScope.open(Joiner.awaitAll(), cfg -> cfg.withName(name).withThreadFactory(threads));
    }

    /** Applies commands until interrupted, then retires every channel, keeping the interrupt. Pool thread. */
    private void applyUntilInterrupted() {
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
    }

    /** A channel's thread (virtual-thread engine): relays until its socket closes, then hands the channel back. */
    private void runChannel(Channel channel) {
        try {
            channel.ownPort().run();
        } finally {
            endChannel(channel);
        }
    }

    /**
     * A channel's socket thread has stopped serving it: closes its socket and hands the channel
     * back to the directory, which frees its port. Normally a duplicate of the notice {@link
     * #retire} sent. The channel's socket thread (or the poll loop) only.
     */
    private void endChannel(Channel channel) {
        ChannelDirectory.closeQuietly(channel);
        try {
            directory.channelEnded(channel);
        } catch (InterruptedException e) {
            // shutdown: the directory is stopping too
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
                case PoolCommand.SessionClosed c -> onSessionClosed(c.session());
                case PoolCommand.KeepaliveTick c -> onKeepaliveTick();
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

    /** Replaces how long a retire waits for channel threads to end; for tests that drive {@link #apply} directly. */
    void waitForRunEndsUpTo(Duration wait) {
        this.runEndWaitNs = wait.toNanos();
    }

    /** Replaces how channel threads are started; for tests that drive {@link #apply} directly. */
    void startChannelsWith(Consumer<Channel> starter) {
        this.channelStarter = starter;
    }

    private void onAddChannel(PoolCommand.AddChannel c) {
        Channel channel = c.channel();
        try {
            if (channel.ownPort() != null) {
                channelStarter.accept(channel);
            }
        } catch (RuntimeException e) {
            // Not started (the server is shutting down), so no channel thread will report its end.
            ChannelDirectory.closeQuietly(channel);
            directory.channelEndedUnstarted(channel);
            c.answer().refuse(new RequestException(ErrorCode.INTERNAL, "the server is shutting down"));
            return;
        }
        ChannelMembers members = new ChannelMembers(channel);
        channels.put(channel.id(), members);
        link(channel.owner(), members);
        c.answer().ok(new ChannelCreated(channel.id(), channel.port(), channel.maxPeers()));
        if (!channel.owner().isOpen()) {
            // The owner left while the create was on its way; its SessionClosed has come and gone.
            retire(members, EventReason.OWNER_LEFT);
        }
    }

    private void onDeleteChannel(PoolCommand.DeleteChannel c) {
        ChannelMembers members = channels.get(c.channel());
        if (members == null) {
            c.answer().refuse(notFound(c.channel()));
        } else if (c.requester() != null && members.channel.owner() != c.requester()) {
            c.answer().refuse(new RequestException(ErrorCode.FORBIDDEN,
                    "only the session that created channel " + c.channel() + " may delete it"));
        } else {
            retire(members, c.requester() == null ? EventReason.CLOSED : EventReason.DELETED);
            c.answer().ok(null);
        }
    }

    private void onJoinPeer(PoolCommand.JoinPeer c) {
        ChannelMembers members = channels.get(c.channel());
        if (members == null) {
            c.answer().refuse(notFound(c.channel()));
            return;
        }
        Channel channel = members.channel;
        if (channel.key() != null && !ConstantTime.equal(channel.key(), c.key())) {
            c.answer().refuse(new RequestException(ErrorCode.FORBIDDEN,
                    c.key() == null ? "channel " + channel.id() + " needs a key" : "wrong key for channel " + channel.id()));
            return;
        }
        Member existing = members.memberOf(c.session());
        if (existing != null) {
            c.answer().refuse(new RequestException(ErrorCode.BAD_REQUEST, "this session already holds peer "
                    + Integer.toUnsignedString(existing.peer.id()) + " in channel " + channel.id()));
            return;
        }
        // The channel's own limit, or a lower --max-peers a reload set since it was created.
        int maxPeers = Math.min(channel.maxPeers(), live.current().get(Settings.MAX_PEERS));
        if (members.byPeer.size() >= maxPeers) {
            c.answer().refuse(new RequestException(ErrorCode.FULL,
                    "channel " + channel.id() + " has its maximum of " + maxPeers + " peers"));
            return;
        }
        long now = clock.nanoTime();
        Peer peer = new Peer(nextPeerId(), SecureIds.token(), channel.relay(), live.peerRates(), now);
        Member member = new Member(members, c.session(), peer);
        peerIndex.put(peer);
        members.add(member);
        // The first look at a random time in the later half of the shorter timeout: members that
        // join together (a load test, a server's restart) are then looked at a few per tick, not
        // all in one, and stay spread, as each next look follows the member's own last datagram.
        keepalives.add(member, now + shorterTimeoutNs - ThreadLocalRandom.current().nextLong(shorterTimeoutNs / 2 + 1) + 1);
        c.session().holdingsChanged(0, 1);
        link(c.session(), members);
        c.answer().ok(new Joined(channel.id(), channel.port(), peer.id(), peer.token().clone()));
        members.tellMembers(member, new ServerEvent.PeerJoined(channel.id(), peer.id()));
        log.atDebug().addKeyValue("event", "peer_joined").addKeyValue("peer", Integer.toUnsignedLong(peer.id()))
                .addKeyValue("channel", channel.id()).addKeyValue("session", c.session().id())
                .log("peer {} joined channel {}", Integer.toUnsignedString(peer.id()), channel.id());
    }

    private void onLeavePeer(PoolCommand.LeavePeer c) {
        ChannelMembers members = channels.get(c.channel());
        Member member = members == null ? null : members.memberOf(c.session());
        if (member == null) {
            c.answer().refuse(new RequestException(ErrorCode.NOT_FOUND,
                    "this session is not a member of channel " + c.channel()));
            return;
        }
        removeMember(members, member, EventReason.LEFT);
        c.answer().ok(null);
    }

    private void onKickPeer(PoolCommand.KickPeer c) {
        ChannelMembers members = channels.get(c.channel());
        Member member = members == null ? null : members.byPeer.get(c.peer());
        if (member == null) {
            c.answer().refuse(new RequestException(ErrorCode.NOT_FOUND,
                    "no peer " + Integer.toUnsignedString(c.peer()) + " in channel " + c.channel()));
            return;
        }
        removeMember(members, member, EventReason.KICKED);
        c.answer().ok(null);
    }

    private void onSessionClosed(SessionHandle session) {
        Set<ChannelMembers> linked = channelsBySession.remove(session);
        if (linked == null) {
            return;
        }
        List<ChannelMembers> owned = linked.stream().filter(members -> members.channel.owner() == session).toList();
        // All of the owner's sockets closed first: with the poll loop, one wait for them all.
        closeOwnSockets(owned);
        for (ChannelMembers members : List.copyOf(linked)) {
            if (members.channel.owner() == session) {
                retireClosed(members, EventReason.OWNER_LEFT);
                continue;
            }
            Member member = members.memberOf(session);
            if (member != null) {
                removeMember(members, member, EventReason.DISCONNECTED);
            }
        }
    }

    /** Notes that {@code session} owns or belongs to a channel, so its end finds the channel at once. */
    private void link(SessionHandle session, ChannelMembers members) {
        if (channelsBySession.computeIfAbsent(session, s -> new HashSet<>()).add(members)) {
            session.holdingsChanged(1, 0);
        }
    }

    /** Forgets that link once the session neither owns nor belongs to the channel. */
    private void unlink(SessionHandle session, ChannelMembers members) {
        Set<ChannelMembers> linked = channelsBySession.get(session);
        if (linked != null && linked.remove(members)) {
            session.holdingsChanged(-1, 0);
            if (linked.isEmpty()) {
                channelsBySession.remove(session);
            }
        }
    }

    /**
     * Evicts the members whose look is due and who are found silent, then hints the members whose
     * id socket threads have seen from a wrong source, and those whose hint was held back.
     */
    private void onKeepaliveTick() {
        long now = clock.nanoTime();
        try {
            evictSilent(now);
            hintRebindsIfMoved(now);
        } finally {
            tickApplied.release();
        }
    }

    /**
     * Looks at the members whose look is due, at most {@link #LOOKS_PER_TICK}: evicts the silent,
     * all of a channel's at once (one table for the socket threads, and the evicted are not told
     * of each other), and schedules a next look at the others.
     */
    private void evictSilent(long now) {
        Map<ChannelMembers, List<Member>> silentByChannel = null; // allocated only when a tick evicts
        for (int looked = 0; looked < LOOKS_PER_TICK && keepalives.hasDue(now); looked++) {
            Member member = keepalives.pollDue();
            boolean bound = member.peer.address() != null;
            long timeoutNs = bound ? peerTimeoutNs : bindTimeoutNs;
            long lastSeenNs = member.peer.activity().lastSeenNs();
            if (now - lastSeenNs > timeoutNs) {
                (bound ? silentEvictions : unboundEvictions).incrementAndGet();
                silentByChannel = silentByChannel == null ? new LinkedHashMap<>() : silentByChannel;
                silentByChannel.computeIfAbsent(member.members, members -> new ArrayList<>()).add(member);
            } else {
                scheduleLook(member, bound, lastSeenNs, now);
            }
        }
        looksLeftOver = keepalives.hasDue(now);
        if (silentByChannel != null) {
            silentByChannel.forEach((members, silent) -> {
                unpublish(members, silent);
                silent.forEach(member -> release(members, member, EventReason.TIMEOUT));
            });
        }
    }

    /**
     * Schedules the next look at {@code member}: when its timeout runs out if it is not heard from
     * again; for an unbound member no later than the peer timeout from now, since it may bind
     * meanwhile and then has that timeout. A member is evicted once silent for longer than its
     * timeout, so the first time that can hold is a nanosecond past it.
     */
    private void scheduleLook(Member member, boolean bound, long lastSeenNs, long now) {
        long lookNs = bound ? lastSeenNs + peerTimeoutNs : Math.min(lastSeenNs + bindTimeoutNs, now + peerTimeoutNs);
        keepalives.add(member, lookNs + 1);
    }

    /**
     * Hints the peers the rebind signal names, and those held back before, whose id has come from
     * a wrong source since their last hint; keeps those the once-a-second limit holds back, and
     * drops the ones that have left.
     */
    private void hintRebindsIfMoved(long now) {
        for (Peer peer; (peer = rebindSignal.take()) != null; ) {
            hintCandidates.add(peer);
        }
        for (Iterator<Peer> candidates = hintCandidates.iterator(); candidates.hasNext(); ) {
            Member member = liveMember(candidates.next());
            if (member == null || !hintRebindIfMoved(member, now)) {
                candidates.remove();
            }
        }
    }

    /** The member that holds {@code peer} in a channel of this pool, or null once it has left (or its channel). */
    private Member liveMember(Peer peer) {
        ChannelMembers members = channels.get(peer.channel().id());
        Member member = members == null ? null : members.byPeer.get(peer.id());
        return member != null && member.peer == peer ? member : null;
    }

    /**
     * Tells a peer's session to BIND again when its DATA or PING has come from an address it is not
     * bound to since the last hint, as after a NAT rebinding: the client heals in one round trip
     * instead of waiting for its PONGs to stop. At most one hint a second per peer, so forged
     * datagrams bearing its id cost its session one event line a second; it is churn, dropped if the
     * session's queue is half full, since a client that misses it still notices the lapse.
     * Returns whether a hint is due but held back by that limit.
     */
    private boolean hintRebindIfMoved(Member member, long now) {
        long wrongSource = member.peer.activity().lastWrongSourceNs();
        if (wrongSource - member.hintedWrongSourceNs <= 0) {
            return false;
        }
        if (now - member.lastHintNs < REBIND_HINT_INTERVAL_NS) {
            return true;
        }
        member.hintedWrongSourceNs = wrongSource;
        member.lastHintNs = now;
        rebindHints.incrementAndGet();
        member.session.tell(new ServerEvent.Rebind(member.members.channel.id(), member.peer.id()), false);
        return false;
    }

    private void removeMember(ChannelMembers members, Member member, EventReason reason) {
        unpublish(members, List.of(member));
        release(members, member, reason);
    }

    /**
     * Takes {@code leaving} out of the channel's table and the pool's index, so no socket thread
     * finds them again, and out of the keepalive schedule.
     */
    private void unpublish(ChannelMembers members, List<Member> leaving) {
        members.removeAll(leaving);
        for (Member member : leaving) {
            peerIndex.remove(member.peer);
            keepalives.remove(member);
        }
    }

    /**
     * What follows a member's {@link #unpublish}: its session's holdings, and the events. Nothing
     * here throws (a session's {@code tell} and {@code holdingsChanged} never fail), so a tick
     * that has unpublished several members releases every one of them.
     */
    private void release(ChannelMembers members, Member member, EventReason reason) {
        member.session.holdingsChanged(0, -1);
        if (members.channel.owner() != member.session) {
            unlink(member.session, members);
        }
        ServerEvent event = new ServerEvent.PeerLeft(members.channel.id(), member.peer.id(), reason);
        members.tellMembers(member, event);
        if (reason == EventReason.TIMEOUT || reason == EventReason.KICKED) {
            member.session.tell(event, true);
        }
        log.atDebug().addKeyValue("event", "peer_left").addKeyValue("peer", Integer.toUnsignedLong(member.peer.id()))
                .addKeyValue("channel", members.channel.id()).addKeyValue("session", member.session.id())
                .addKeyValue("reason", reason.wireName())
                .log("peer {} left channel {} ({})", Integer.toUnsignedString(member.peer.id()), members.channel.id(),
                        reason.wireName());
    }

    /**
     * Deletes a channel and tells its members. Its own socket is closed (its thread ends; the
     * poll loop deregisters it), its peers leave the index and its table empties, so no socket
     * thread finds them again, and the pool tells the directory, which frees its port.
     */
    private void retire(ChannelMembers members, EventReason reason) {
        closeOwnSockets(List.of(members));
        retireClosed(members, reason);
    }

    /**
     * Closes the channels' own sockets and returns once the kernel has closed them too, so their
     * ports can be bound again at once: with the poll loop after one wait for them all (a socket
     * registered with a selector is closed only once deregistered); with a thread per channel once
     * each thread has left its receive (the JDK leaves the kernel's close to a virtual thread
     * receiving on the socket), or after {@link #runEndWaitNs} for them all, which bounds what
     * a thread that does not run could cost the pool (its port may then stay taken a moment longer,
     * and a create meanwhile skips it). Pool thread.
     */
    private void closeOwnSockets(List<ChannelMembers> retiring) {
        boolean closed = false;
        for (ChannelMembers members : retiring) {
            if (members.channel.ownPort() != null) {
                ChannelDirectory.closeQuietly(members.channel);
                closed = true;
            }
        }
        if (!closed) {
            return;
        }
        try {
            if (pollLoop != null) {
                pollLoop.awaitClosed();
            } else {
                long deadlineNs = System.nanoTime() + runEndWaitNs;
                List<String> notEnded = new ArrayList<>();
                for (ChannelMembers members : retiring) {
                    RelayPort port = members.channel.ownPort();
                    if (port != null && !port.awaitRunEnded(deadlineNs)) {
                        notEnded.add(members.channel.id());
                    }
                }
                if (!notEnded.isEmpty()) {
                    log.atWarn().addKeyValue("event", "channel_threads_not_ended").addKeyValue("pool", index)
                            .addKeyValue("channels", notEnded.size())
                            .log("pool {}: the threads of {} closed channels ({}) have not ended {} ms after their "
                                    + "sockets were closed; their ports may stay taken a moment longer", index,
                                    notEnded.size(), notEnded, TimeUnit.NANOSECONDS.toMillis(runEndWaitNs));
                }
            }
        } catch (InterruptedException e) {
            // Shutdown: keep the interrupt so the pool stops next; the loop's or threads' end closes the sockets.
            Thread.currentThread().interrupt();
        }
    }

    /** {@link #retire} once {@link #closeOwnSockets} has closed the channel's own socket. */
    private void retireClosed(ChannelMembers members, EventReason reason) {
        Channel channel = members.channel;
        channels.remove(channel.id());
        for (Member member : members.byPeer.values()) {
            peerIndex.remove(member.peer);
            keepalives.remove(member);
        }
        members.publish(PeerTable.EMPTY);
        // Now, before the request that deleted it is answered, so the port is free for the very
        // next create (the protocol promises it; closeOwnSockets has waited for the kernel's close,
        // within its bound); the socket thread's own notice, when it ends,
        // finds the channel already gone. A datagram in flight as its channel is deleted may
        // therefore miss the retired totals.
        try {
            directory.channelEnded(channel);
        } catch (InterruptedException e) {
            // Shutdown: the directory is stopping too; keep the interrupt so the pool stops next.
            Thread.currentThread().interrupt();
        }
        unlink(channel.owner(), members);
        ServerEvent event = new ServerEvent.ChannelDeleted(channel.id(), reason);
        for (Member member : members.byPeer.values()) {
            unlink(member.session, members);
            member.session.holdingsChanged(0, -1);
            member.session.tell(event, true);
        }
        log.atInfo().addKeyValue("event", "channel_closed").addKeyValue("channel", channel.id())
                .addKeyValue("reason", reason.wireName())
                .log("channel {} closed ({}), port {} free", channel.id(), reason.wireName(), channel.port());
    }

    /** Shutdown: closes every channel and refuses every queued request, so no session waits for an answer. */
    private void retireAll() {
        for (ChannelMembers members : channels.values()) {
            ChannelDirectory.closeQuietly(members.channel);
        }
        if (sharedReader != null) {
            ChannelDirectory.closeQuietly(sharedReader, "pool " + index + "'s shared socket");
        }
        channels.clear();
        channelsBySession.clear();
        keepalives.clear();
        hintCandidates.clear();
        // Before draining: whoever queues after this sees it and drains what it queued (see submit).
        stopped = true;
        refuseQueued();
    }

    /**
     * Refuses every queued command: answers requests, closes the socket of a channel that was never
     * added. Once the pool has stopped; any thread, as a command is polled by exactly one.
     */
    private void refuseQueued() {
        RequestException shuttingDown = new RequestException(ErrorCode.INTERNAL, "the server is shutting down");
        for (PoolCommand command; (command = commands.poll()) != null; ) {
            switch (command) {
                case PoolCommand.AddChannel c -> {
                    ChannelDirectory.closeQuietly(c.channel());
                    c.answer().refuse(shuttingDown);
                }
                case PoolCommand.DeleteChannel c -> c.answer().refuse(shuttingDown);
                case PoolCommand.JoinPeer c -> c.answer().refuse(shuttingDown);
                case PoolCommand.LeavePeer c -> c.answer().refuse(shuttingDown);
                case PoolCommand.KickPeer c -> c.answer().refuse(shuttingDown);
                case PoolCommand.SessionClosed c -> { }
                case PoolCommand.KeepaliveTick c -> { }
            }
        }
    }

    /**
     * A new peer id: this pool's ids are {@code index + 1 + k × pools} for k below {@link
     * #idsPerPool}, so they stay below 2^32, are never 0, name their pool ({@link #poolOf}), and
     * pools never hand out the same id without a shared counter. When k wraps (after about 2^32 /
     * pools joins) an id still held by a live peer is skipped, so ids are unique on the node.
     */
    private int nextPeerId() {
        while (true) {
            // A random slot, not the next: sequential ids would let anyone guess the live ones and
            // send datagrams naming them (each earns its peer a rebind hint).
            int id = (int) (index + 1 + ThreadLocalRandom.current().nextLong(idsPerPool) * poolCount);
            if (peerIndex.find(id) == null) {
                return id;
            }
        }
    }

    /**
     * The ticker thread: queues a {@link PoolCommand.KeepaliveTick} every tick interval (within
     * {@link #BACKLOG_TICK_MS} while looks are left over) until the pool's scope is cancelled.
     */
    private void tickKeepalives() {
        try {
            while (true) {
                Thread.sleep(keepaliveTickIntervalMs());
                // Waits for room rather than dropping the tick: a busy queue must not stop evictions.
                // A tick that waits long finds more looks due.
                commands.put(TICK);
                tickApplied.acquire();
            }
        } catch (InterruptedException e) {
            // the pool is closing
        }
    }

    private static RequestException notFound(String channel) {
        return new RequestException(ErrorCode.NOT_FOUND, "no channel " + channel);
    }
}
