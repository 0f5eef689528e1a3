package io.chanmux.server.channel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What a peer has sent, when it was last heard, and when its id last came from an address it is
 * not bound to. Like {@link RelayCounters}, one row per thread that may write it (the channel
 * thread, or each socket thread of the shared port), each row with a single writer using opaque
 * stores, no fences. Read by the pool's keepalive tick (liveness, and the {@code rebind} hint)
 * and by the admin {@code peers} op, which take the latest times and the sums. Survives re-binds,
 * so a peer keeps one instance for as long as it is a member.
 */
public final class PeerActivity {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int LAST_SEEN = 0;
    private static final int DATAGRAMS = 1;
    private static final int BYTES = 2;
    private static final int WRONG_SOURCE = 3;
    private static final int WIDTH = 4;

    private final long[] slots;

    /** Activity with {@code writers} rows, all last heard at {@code nowNs} (the join), with no wrong source yet. */
    public PeerActivity(int writers, long nowNs) {
        this.slots = new long[writers * WIDTH];
        for (int row = 0; row < slots.length; row += WIDTH) {
            slots[row + LAST_SEEN] = nowNs;
            slots[row + WRONG_SOURCE] = nowNs;
        }
    }

    /** Records a valid datagram of {@code length} bytes heard at {@code nowNs}. Only {@code writer} may call this. */
    public void record(int writer, long nowNs, int length) {
        int row = writer * WIDTH;
        SLOTS.setOpaque(slots, row + LAST_SEEN, nowNs);
        SLOTS.setOpaque(slots, row + DATAGRAMS, (long) SLOTS.getOpaque(slots, row + DATAGRAMS) + 1);
        SLOTS.setOpaque(slots, row + BYTES, (long) SLOTS.getOpaque(slots, row + BYTES) + length);
    }

    /**
     * Records that DATA or PING with this peer's id came from an address it is not bound to, at
     * {@code nowNs}; through {@link Peer#recordWrongSource}, which tells the pool. Only {@code
     * writer} may call this.
     */
    void recordWrongSource(int writer, long nowNs) {
        SLOTS.setOpaque(slots, writer * WIDTH + WRONG_SOURCE, nowNs);
    }

    /** The last time the peer was heard, in the server clock's nanoseconds. */
    public long lastSeenNs() {
        return latest(LAST_SEEN);
    }

    /** The last time its id came from a wrong source, or the join time if it never did. */
    public long lastWrongSourceNs() {
        return latest(WRONG_SOURCE);
    }

    /** Valid datagrams the peer has sent. */
    public long datagrams() {
        return sum(DATAGRAMS);
    }

    /** Bytes of those datagrams. */
    public long bytes() {
        return sum(BYTES);
    }

    private long latest(int column) {
        long latest = (long) SLOTS.getOpaque(slots, column);
        for (int row = WIDTH; row < slots.length; row += WIDTH) {
            long time = (long) SLOTS.getOpaque(slots, row + column);
            if (time - latest > 0) {
                latest = time;
            }
        }
        return latest;
    }

    private long sum(int column) {
        long sum = 0;
        for (int row = 0; row < slots.length; row += WIDTH) {
            sum += (long) SLOTS.getOpaque(slots, row + column);
        }
        return sum;
    }
}
