package io.chanmux.server.pool;

/**
 * The commands that change a pool's state. Other threads send them through {@link
 * ChannelPool#submit}; the pool's thread applies them one at a time in {@link ChannelPool#apply}.
 * A command that a client asked for carries the {@link Answer} the pool completes exactly once.
 */
public sealed interface PoolCommand {

    /** Start serving a channel the directory has opened a port for, and answer its creator. */
    record AddChannel(Channel channel, Answer<ChannelCreated> answer) implements PoolCommand {
    }

    /** Delete a channel; {@code requester} must be its owner, or null for an admin's {@code close}. */
    record DeleteChannel(String channel, SessionHandle requester, Answer<Void> answer) implements PoolCommand {
    }

    /** Add {@code session} as a new peer of {@code channel}, checking the key and member limit. */
    record JoinPeer(String channel, SessionHandle session, String key, Answer<Joined> answer) implements PoolCommand {
    }

    /** Remove the peer that {@code session} holds in {@code channel}. */
    record LeavePeer(String channel, SessionHandle session, Answer<Void> answer) implements PoolCommand {
    }

    /** An admin removes a peer ({@code kicked}); the peer's own session is told too. */
    record KickPeer(String channel, int peer, Answer<Void> answer) implements PoolCommand {
    }

    /** A control session ended: its peers leave ({@code disconnected}) and its channels go ({@code owner_left}). */
    record SessionClosed(SessionHandle session) implements PoolCommand {
    }

    /**
     * Look at the members whose look is due (the pool's timing wheel): evict those that have not
     * bound, or not been heard from, within their timeout; and hint {@code rebind} to those whose
     * id came from a wrong source, when the pool's signal says there are any.
     */
    record KeepaliveTick() implements PoolCommand {
    }
}
