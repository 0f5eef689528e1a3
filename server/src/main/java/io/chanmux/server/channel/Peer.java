package io.chanmux.server.channel;

import java.net.InetSocketAddress;

/**
 * A channel member as the channel thread sees it: id, bind token, bound address (null until the
 * first valid BIND), activity and rate limit. Immutable apart from those last two; a re-bind makes
 * a new {@code Peer} that shares the old one's.
 */
public final class Peer {
    private final int id;
    private final byte[] token;
    private final InetSocketAddress address;
    private final PeerActivity activity;
    private final PeerRateLimit rateLimit;

    public Peer(int id, byte[] token, InetSocketAddress address, PeerActivity activity, PeerRateLimit rateLimit) {
        this.id = id;
        this.token = token;
        this.address = address;
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

    /** The bound source address, or null while unbound. */
    public InetSocketAddress address() {
        return address;
    }

    /** What the peer has sent and when it was last heard. */
    public PeerActivity activity() {
        return activity;
    }

    /** The peer's rate limit; only the channel thread uses it. */
    public PeerRateLimit rateLimit() {
        return rateLimit;
    }

    /** The same peer bound to {@code newAddress}, keeping its activity and rate limit. */
    public Peer boundTo(InetSocketAddress newAddress) {
        return new Peer(id, token, newAddress, activity, rateLimit);
    }
}
