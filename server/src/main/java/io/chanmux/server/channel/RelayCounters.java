package io.chanmux.server.channel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One channel's counters (or, in single-port mode, the shared port's counters of datagrams that
 * name no live peer). Every thread that may write them has a row of its own, numbered from 0: a
 * channel with a socket of its own has one writer, its channel thread; a channel on the shared
 * port has one row per socket thread, since the peers of one channel may arrive on different
 * sockets. Each row has a single writer, so counting is an opaque store of a plain sum: no lock
 * and no atomic read-modify-write on the hot path. Readers (any thread) add the rows up.
 */
public final class RelayCounters {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final RelayCounter[] ALL = RelayCounter.values();

    private final long[] slots;

    /** Counters with {@code writers} rows, one per thread that may write them. */
    public RelayCounters(int writers) {
        this.slots = new long[writers * ALL.length];
    }

    /** Adds {@code delta} to {@code counter} in {@code writer}'s row. Only that writer may call this. */
    public void add(int writer, RelayCounter counter, long delta) {
        int i = writer * ALL.length + counter.ordinal();
        SLOTS.setOpaque(slots, i, (long) SLOTS.getOpaque(slots, i) + delta);
    }

    /** Adds one to {@code counter} in {@code writer}'s row. Only that writer may call this. */
    public void increment(int writer, RelayCounter counter) {
        add(writer, counter, 1);
    }

    /** The current value, summed over every row, from any thread. */
    public long get(RelayCounter counter) {
        long sum = 0;
        for (int i = counter.ordinal(); i < slots.length; i += ALL.length) {
            sum += (long) SLOTS.getOpaque(slots, i);
        }
        return sum;
    }

    /** Every value, indexed by ordinal. */
    public long[] snapshot() {
        long[] values = new long[ALL.length];
        addTo(values);
        return values;
    }

    /** Adds every value of this set into {@code totals}, indexed by ordinal. */
    public void addTo(long[] totals) {
        for (int i = 0; i < slots.length; i++) {
            totals[i % ALL.length] += (long) SLOTS.getOpaque(slots, i);
        }
    }
}
