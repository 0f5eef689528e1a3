package io.chanmux.server.channel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * When a peer was last heard from. Written by the channel thread on every valid datagram of the
 * peer (an opaque store, no fence), read by the pool's keepalive sweep. Survives re-binds, so a
 * peer keeps one instance for as long as it is a member.
 */
public final class PeerLiveness {
    private static final VarHandle LAST_SEEN;

    static {
        try {
            LAST_SEEN = MethodHandles.lookup().findVarHandle(PeerLiveness.class, "lastSeenNs", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through LAST_SEEN
    private long lastSeenNs;

    public PeerLiveness(long nowNs) {
        this.lastSeenNs = nowNs;
    }

    /** Records that the peer was heard at {@code nowNs}. */
    public void touch(long nowNs) {
        LAST_SEEN.setOpaque(this, nowNs);
    }

    /** The last time the peer was heard, in the server clock's nanoseconds. */
    public long lastSeenNs() {
        return (long) LAST_SEEN.getOpaque(this);
    }
}
