package io.chanmux.server.channel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What a peer has sent and when it was last heard. Like {@link RelayCounters}, one row per thread
 * that may write it (the channel thread, or each socket thread of the shared port), each row with
 * a single writer using opaque stores, no fences. Read by the pool's keepalive sweep and by the
 * admin {@code peers} op, which take the latest time and the sums. Survives re-binds, so a peer
 * keeps one instance for as long as it is a member.
 */
public final class PeerActivity {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int LAST_SEEN = 0;
    private static final int DATAGRAMS = 1;
    private static final int BYTES = 2;
    private static final int WIDTH = 3;

    private final long[] slots;

    /** Activity with {@code writers} rows, all last heard at {@code nowNs} (the join). */
    public PeerActivity(int writers, long nowNs) {
        this.slots = new long[writers * WIDTH];
        for (int row = 0; row < slots.length; row += WIDTH) {
            slots[row + LAST_SEEN] = nowNs;
        }
    }

    /** Records a valid datagram of {@code length} bytes heard at {@code nowNs}. Only {@code writer} may call this. */
    public void record(int writer, long nowNs, int length) {
        int row = writer * WIDTH;
        SLOTS.setOpaque(slots, row + LAST_SEEN, nowNs);
        SLOTS.setOpaque(slots, row + DATAGRAMS, (long) SLOTS.getOpaque(slots, row + DATAGRAMS) + 1);
        SLOTS.setOpaque(slots, row + BYTES, (long) SLOTS.getOpaque(slots, row + BYTES) + length);
    }

    /** The last time the peer was heard, in the server clock's nanoseconds. */
    public long lastSeenNs() {
        long latest = (long) SLOTS.getOpaque(slots, LAST_SEEN);
        for (int row = WIDTH; row < slots.length; row += WIDTH) {
            long seen = (long) SLOTS.getOpaque(slots, row + LAST_SEEN);
            if (seen - latest > 0) {
                latest = seen;
            }
        }
        return latest;
    }

    /** Valid datagrams the peer has sent. */
    public long datagrams() {
        return sum(DATAGRAMS);
    }

    /** Bytes of those datagrams. */
    public long bytes() {
        return sum(BYTES);
    }

    private long sum(int column) {
        long sum = 0;
        for (int row = 0; row < slots.length; row += WIDTH) {
            sum += (long) SLOTS.getOpaque(slots, row + column);
        }
        return sum;
    }
}
