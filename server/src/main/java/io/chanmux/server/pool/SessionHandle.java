package io.chanmux.server.pool;

import io.chanmux.protocol.control.ServerEvent;

/**
 * What the pools and the directory know of a control session: who it is, whether it is still
 * open, and where to push its events. Implemented by the control session. Called from pool
 * threads, so nothing here blocks.
 */
public interface SessionHandle {
    /** The session id reported by {@code hello}. */
    String id();

    /** False once the session has ended; a channel created for a closed session is deleted at once. */
    boolean isOpen();

    /**
     * Queues an event for the session's client; never blocks.
     *
     * @param essential true for news about the session's own state (its peer removed, its channel
     *                  deleted, the server draining), which must arrive; false for churn about
     *                  other peers, which a session whose client reads too slowly may drop
     */
    void tell(ServerEvent event, boolean essential);

    /**
     * What the session holds changed: {@code channelsDelta} channels it owns or is a member of (in
     * the calling pool), {@code membershipsDelta} channels it is a member of. Pool threads call
     * this as they change their state, so the session can enforce its join limit and know when it
     * holds nothing (the idle timeout). Never blocks.
     */
    void holdingsChanged(int channelsDelta, int membershipsDelta);
}
