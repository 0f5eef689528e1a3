package io.chanmux.server.channel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What a peer has sent and when it was last heard. Single writer: the channel thread, on every
 * valid datagram of the peer (opaque stores, no fences). Read by the pool's keepalive sweep and by
 * the admin {@code peers} op. Survives re-binds, so a peer keeps one instance for as long as it is
 * a member.
 */
public final class PeerActivity {
    private static final VarHandle LAST_SEEN;
    private static final VarHandle DATAGRAMS;
    private static final VarHandle BYTES;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            LAST_SEEN = lookup.findVarHandle(PeerActivity.class, "lastSeenNs", long.class);
            DATAGRAMS = lookup.findVarHandle(PeerActivity.class, "datagrams", long.class);
            BYTES = lookup.findVarHandle(PeerActivity.class, "bytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through LAST_SEEN
    private long lastSeenNs;
    @SuppressWarnings("unused") // accessed through DATAGRAMS
    private long datagrams;
    @SuppressWarnings("unused") // accessed through BYTES
    private long bytes;

    public PeerActivity(long nowNs) {
        this.lastSeenNs = nowNs;
    }

    /** Records a valid datagram of {@code length} bytes heard at {@code nowNs}. Channel thread only. */
    public void record(long nowNs, int length) {
        LAST_SEEN.setOpaque(this, nowNs);
        DATAGRAMS.setOpaque(this, (long) DATAGRAMS.getOpaque(this) + 1);
        BYTES.setOpaque(this, (long) BYTES.getOpaque(this) + length);
    }

    /** The last time the peer was heard, in the server clock's nanoseconds. */
    public long lastSeenNs() {
        return (long) LAST_SEEN.getOpaque(this);
    }

    /** Valid datagrams the peer has sent. */
    public long datagrams() {
        return (long) DATAGRAMS.getOpaque(this);
    }

    /** Bytes of those datagrams. */
    public long bytes() {
        return (long) BYTES.getOpaque(this);
    }
}
