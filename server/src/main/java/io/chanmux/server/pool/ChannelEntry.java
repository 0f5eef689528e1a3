package io.chanmux.server.pool;

import io.chanmux.server.channel.RelayChannel;

/**
 * A live channel's fixed facts, as the {@link ChannelDirectory} lists them: everything except its
 * members, which its pool owns.
 *
 * @param id       16 lowercase hex characters, random
 * @param name     the name given at {@code create}, or null
 * @param maxPeers the member limit
 * @param key      the join key, or null for an open channel
 * @param owner    the session that created it
 * @param pool     the pool that owns its state and thread
 * @param relay    its UDP socket and channel thread
 */
public record ChannelEntry(String id, String name, int maxPeers, String key, SessionHandle owner,
                           ChannelPool pool, RelayChannel relay) {

    /** The channel's UDP port. */
    public int port() {
        return relay.port();
    }

    /** Members right now, bound or not. */
    public int peerCount() {
        return relay.peers().size();
    }
}
