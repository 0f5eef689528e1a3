package io.chanmux.server.channel;

import java.net.InetSocketAddress;

/**
 * Where a channel thread sends a BIND whose token it has verified. The pool that owns the channel
 * implements it by queueing a command; the binding, and the BIND_OK that confirms it, happen on
 * the pool's thread.
 */
@FunctionalInterface
public interface BindRequests {
    /**
     * Asks for {@code peer} of {@code channel} to be bound to {@code source}.
     *
     * @return false when the request could not be queued (the caller counts a drop)
     */
    boolean requestBind(RelayChannel channel, int peer, InetSocketAddress source);
}
