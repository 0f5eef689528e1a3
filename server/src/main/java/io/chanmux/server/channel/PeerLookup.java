package io.chanmux.server.channel;

/**
 * How a {@link RelayPort} finds the peer a datagram names: in its own channel's {@link PeerTable}
 * (a port per channel) or in the pools' {@link PeerIndex}es (the shared port). Called by socket
 * threads on every datagram, so an implementation takes no lock and allocates nothing.
 */
@FunctionalInterface
public interface PeerLookup {
    /** The live peer with this id, or null. */
    Peer find(int peerId);
}
