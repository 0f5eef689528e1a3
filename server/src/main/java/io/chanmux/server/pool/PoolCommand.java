package io.chanmux.server.pool;

import java.util.concurrent.CompletableFuture;

/**
 * The system commands that change a pool's state. Other threads send them through {@link
 * ChannelPool#submit}; the pool's thread applies them one at a time in {@link ChannelPool#apply}.
 * Commands that answer carry a future, completed by the pool thread with the result or with a
 * {@link io.chanmux.protocol.control.RequestException}.
 */
public sealed interface PoolCommand {

    /** Start serving a channel whose socket the directory has opened. */
    record AddChannel(ChannelEntry channel, CompletableFuture<Void> done) implements PoolCommand {
    }

    /** Delete a channel; {@code requester} must be its owner, or null for an admin's {@code close}. */
    record DeleteChannel(String channel, SessionHandle requester, CompletableFuture<Void> done)
            implements PoolCommand {
    }

    /** Add {@code session} as a new peer of {@code channel}, checking the key and member limit. */
    record JoinPeer(String channel, SessionHandle session, String key, CompletableFuture<JoinResult> done)
            implements PoolCommand {
    }

    /** Remove the peer that {@code session} holds in {@code channel}. */
    record LeavePeer(String channel, SessionHandle session, CompletableFuture<Void> done) implements PoolCommand {
    }

    /** An admin removes a peer ({@code kicked}); the peer's own session is told too. */
    record KickPeer(String channel, int peer, CompletableFuture<Void> done) implements PoolCommand {
    }

    /** A control session ended: its peers leave ({@code disconnected}) and its channels go ({@code owner_left}). */
    record SessionClosed(SessionHandle session) implements PoolCommand {
    }

    /** Evict peers that have not bound, or not been heard from, within their timeout. */
    record SweepKeepalives() implements PoolCommand {
    }
}
