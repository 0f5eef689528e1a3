package io.chanmux.server.channel;

import java.net.InetSocketAddress;

/**
 * A channel member as the channel thread sees it: id, bind token, bound address (null until the
 * first valid BIND) and liveness. Immutable apart from the liveness timestamp; a re-bind makes a
 * new {@code Peer} that shares the old one's {@link PeerLiveness}.
 */
public final class Peer {
    private final int id;
    private final byte[] token;
    private final InetSocketAddress address;
    private final PeerLiveness liveness;

    public Peer(int id, byte[] token, InetSocketAddress address, PeerLiveness liveness) {
        this.id = id;
        this.token = token;
        this.address = address;
        this.liveness = liveness;
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

    /** The peer's liveness record. */
    public PeerLiveness liveness() {
        return liveness;
    }

    /** The same peer bound to {@code newAddress}. */
    public Peer boundTo(InetSocketAddress newAddress) {
        return new Peer(id, token, newAddress, liveness);
    }
}
