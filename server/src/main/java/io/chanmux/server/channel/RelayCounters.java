package io.chanmux.server.channel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One channel's counters. Single writer: the channel's own thread writes every counter. Any thread
 * may read. Writes are opaque stores, so counting costs a plain store on the hot path and no lock or
 * atomic read-modify-write.
 */
public final class RelayCounters {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final RelayCounter[] ALL = RelayCounter.values();

    private final long[] slots = new long[ALL.length];

    /** Adds {@code delta} to {@code counter}. Only the counter's writer may call this. */
    public void add(RelayCounter counter, long delta) {
        int i = counter.ordinal();
        SLOTS.setOpaque(slots, i, (long) SLOTS.getOpaque(slots, i) + delta);
    }

    /** Adds one to {@code counter}. Only the counter's writer may call this. */
    public void increment(RelayCounter counter) {
        add(counter, 1);
    }

    /** The current value, from any thread. */
    public long get(RelayCounter counter) {
        return (long) SLOTS.getOpaque(slots, counter.ordinal());
    }

    /** Every value, indexed by ordinal. */
    public long[] snapshot() {
        long[] values = new long[ALL.length];
        addTo(values);
        return values;
    }

    /** Adds every value of this set into {@code totals}, indexed by ordinal. */
    public void addTo(long[] totals) {
        for (int i = 0; i < ALL.length; i++) {
            totals[i] += (long) SLOTS.getOpaque(slots, i);
        }
    }
}
