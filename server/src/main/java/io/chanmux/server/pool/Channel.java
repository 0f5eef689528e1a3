package io.chanmux.server.pool;

import io.chanmux.server.channel.RelayChannel;

/**
 * A channel's fixed facts, as the {@link ChannelDirectory} publishes them: everything except its
 * members, which its pool owns ({@link ChannelMembers}), and its datagram path, which its
 * {@link RelayChannel} owns. Immutable.
 *
 * @param id       16 lowercase hex characters, random
 * @param name     the name given at {@code create}, or null
 * @param maxPeers the member limit
 * @param key      the join key, or null for an open channel
 * @param owner    the session that created it
 * @param pool     the pool that owns its members and its thread
 * @param relay    its UDP socket and channel thread
 */
public record Channel(String id, String name, int maxPeers, String key, SessionHandle owner, ChannelPool pool,
                      RelayChannel relay) {

    /** The channel's UDP port. */
    public int port() {
        return relay.port();
    }

    /** Members right now, bound or not. */
    public int peerCount() {
        return relay.peers().size();
    }
}
