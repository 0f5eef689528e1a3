package io.chanmux.server.channel;

import io.chanmux.server.config.PeerRates;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;

/**
 * A channel member as the data plane sees it: id, bind token and channel (fixed at {@code join}),
 * the address it is bound to, its activity and its rate limits. One instance per membership: the
 * pool creates it at {@code join} and drops it at leave or eviction; the thread that reads the
 * channel's socket binds it.
 *
 * <p>Threading. The bound address is written only by a socket thread that has just verified a
 * CONFIRM from the new address ({@link #bind}, a release store of an immutable address), and read
 * by any thread ({@link #address}, an acquire load): socket threads check sources against it and
 * fan out to it, the pool's keepalive tick asks "bound or not", the admin {@code peers} view shows
 * it. With a socket per channel that thread is always the channel thread. On the shared port a
 * NAT rebinding can bring the peer's CONFIRM to another socket thread than its DATA, so the writer
 * is whichever socket thread verified the proof. That keeps one logical writer per event: each
 * store is a whole, verified binding, nothing reads-modifies-writes the field, and a reader sees
 * the old binding or the new one, never a mix. Two CONFIRMs verified at the same instant on two
 * sockets (a rebinding racing a retry) leave the peer bound to one of the two proven addresses,
 * as one thread handling them in either order would have.
 *
 * <p>Activity and rate limits have a row or instance per socket thread ({@link #rateLimit}), so
 * each has a single writer whichever socket a datagram arrives on.
 */
public final class Peer {
    private static final VarHandle ADDRESS;
    /** The flag of {@link RebindSignal}'s queue: whether the peer waits in it. */
    static final VarHandle REBIND_QUEUED;

    static {
        try {
            ADDRESS = MethodHandles.lookup().findVarHandle(Peer.class, "address", InetSocketAddress.class);
            REBIND_QUEUED = MethodHandles.lookup().findVarHandle(Peer.class, "rebindQueued", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int id;
    private final byte[] token;
    private final RelayChannel channel;
    private final PeerActivity activity;
    private final PeerRateLimit[] rateLimits;
    @SuppressWarnings("unused") // accessed through ADDRESS
    private InetSocketAddress address;
    /** Whether the peer waits in its pool's {@link RebindSignal}; set by socket threads, cleared by the pool. */
    @SuppressWarnings("unused") // accessed through REBIND_QUEUED
    private boolean rebindQueued;

    /**
     * A new member of {@code channel}, heard at {@code nowNs}, with a datagram budget per thread
     * that may serve the channel ({@link RelayChannel#writers}).
     */
    public Peer(int id, byte[] token, RelayChannel channel, PeerRates rates, long nowNs) {
        this.id = id;
        this.token = token;
        this.channel = channel;
        this.activity = new PeerActivity(channel.writers(), nowNs);
        this.rateLimits = new PeerRateLimit[channel.writers()];
        for (int i = 0; i < rateLimits.length; i++) {
            rateLimits[i] = new PeerRateLimit(rates, nowNs);
        }
    }

    /** The peer id from the datagram header. */
    public int id() {
        return id;
    }

    /** The 16-byte bind token. The array is shared; callers must not modify it. */
    public byte[] token() {
        return token;
    }

    /** The channel this peer is a member of. */
    public RelayChannel channel() {
        return channel;
    }

    /** The bound source address, or null while unbound. Any thread. */
    public InetSocketAddress address() {
        return (InetSocketAddress) ADDRESS.getAcquire(this);
    }

    /**
     * Binds the peer to {@code source}, which proved it holds the token and receives at that
     * address. Only a socket thread that has just verified such a proof may call this.
     */
    public void bind(InetSocketAddress source) {
        ADDRESS.setRelease(this, source);
    }

    /**
     * Records that DATA or PING with this peer's id came from an address it is not bound to, at
     * {@code nowNs}, and queues the peer in its pool's {@link RebindSignal} unless it waits there
     * already; the pool then hints the peer's session to bind again. Only socket thread {@code
     * writer} may call this.
     */
    public void recordWrongSource(int writer, long nowNs) {
        activity.recordWrongSource(writer, nowNs);
        channel.rebindSignal().raise(this);
    }

    /** What the peer has sent and when it was last heard. */
    public PeerActivity activity() {
        return activity;
    }

    /**
     * The peer's budgets as socket thread {@code writer} keeps them. A peer's DATA and PINGs come
     * from its bound address, which the kernel steers to one socket, so that socket's budget is
     * the peer's; a rebinding starts it afresh on the new socket.
     */
    public PeerRateLimit rateLimit(int writer) {
        return rateLimits[writer];
    }
}
