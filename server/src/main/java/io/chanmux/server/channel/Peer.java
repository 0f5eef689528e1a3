package io.chanmux.server.channel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;

/**
 * A channel member as the data plane sees it: id and bind token (fixed at {@code join}), the
 * address it is bound to, its activity and its rate limits. One instance per membership: the pool
 * creates it at {@code join} and drops it at leave or eviction; the channel thread binds it.
 *
 * <p>Threading: the bound address has a single writer, the channel thread, which stores it with
 * release semantics once a BIND or CONFIRM has proved it ({@link #bind}); any thread may read it
 * ({@link #address}: the pool's keepalive sweep asks "bound or not", the admin {@code peers} view
 * shows it). The channel thread's fan-out reads its own copy, not this field.
 */
public final class Peer {
    private static final VarHandle ADDRESS;

    static {
        try {
            ADDRESS = MethodHandles.lookup().findVarHandle(Peer.class, "address", InetSocketAddress.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int id;
    private final byte[] token;
    private final PeerActivity activity;
    private final PeerRateLimit rateLimit;
    @SuppressWarnings("unused") // accessed through ADDRESS
    private InetSocketAddress address;

    public Peer(int id, byte[] token, PeerActivity activity, PeerRateLimit rateLimit) {
        this.id = id;
        this.token = token;
        this.activity = activity;
        this.rateLimit = rateLimit;
    }

    /** The peer id from the datagram header. */
    public int id() {
        return id;
    }

    /** The 16-byte bind token. The array is shared; callers must not modify it. */
    public byte[] token() {
        return token;
    }

    /** The bound source address, or null while unbound. Any thread. */
    public InetSocketAddress address() {
        return (InetSocketAddress) ADDRESS.getAcquire(this);
    }

    /** Binds the peer to {@code source}, which proved it holds the token and receives at that address. Channel thread only. */
    public void bind(InetSocketAddress source) {
        ADDRESS.setRelease(this, source);
    }

    /** What the peer has sent and when it was last heard. */
    public PeerActivity activity() {
        return activity;
    }

    /** The peer's rate limits; only the channel thread uses them. */
    public PeerRateLimit rateLimit() {
        return rateLimit;
    }
}
