package io.chanmux.server.pool;

import io.chanmux.server.channel.RelayChannel;
import io.chanmux.server.channel.RelayPort;

/**
 * A channel's fixed facts, as the {@link ChannelDirectory} publishes them: everything except its
 * members, which its pool owns ({@link ChannelMembers}), and its datagram path, which the socket
 * threads that serve it own. Immutable.
 *
 * @param id       16 lowercase hex characters, random
 * @param name     the name given at {@code create}, or null
 * @param maxPeers the member limit
 * @param key      the join key, or null for an open channel
 * @param owner    the session that created it
 * @param pool     the pool that owns its members (and its socket thread, if it has one of its own)
 * @param relay    its members and counters as the data plane sees them
 * @param ownPort  its own UDP socket and socket thread (per-channel ports), or null when the shared
 *                 port serves it
 */
public record Channel(String id, String name, int maxPeers, String key, SessionHandle owner, ChannelPool pool,
                      RelayChannel relay, RelayPort ownPort) {

    /** The channel's UDP port. */
    public int port() {
        return relay.port();
    }

    /** Members right now, bound or not. */
    public int peerCount() {
        return relay.peers().size();
    }
}
