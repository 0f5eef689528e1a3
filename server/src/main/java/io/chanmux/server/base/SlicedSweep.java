package io.chanmux.server.base;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * A periodic sweep over a changing set of items (a pool's channels, the listener's sessions),
 * split into slices once the set is large. Visiting every item in one run holds its thread for as
 * long as the set is large, and on a server with one carrier every virtual thread behind it: at
 * 8,000 peers and 10,000 sessions the pool's sweep and the deadline check ran 1.6 and 1.2 ms once
 * a second. Splitting every sweep is no better: each slice is one more wake-up of a carrier on the
 * relay's core, and with 20 slices a second the 99th percentile latency of a small relay rose by
 * half (docs/benchmarks.md, section 10). So a pass is split only as far as its work needs: into
 * one slice per {@code workPerSlice} units of work (peers, sessions), at least one, and at most
 * as many as slices of 50 ms fit in the period, 20 at most. A set within one slice's work is swept
 * as one run a period, as if it were not sliced at all.
 *
 * <p>The owner calls {@link #visitNextSlice} every {@link #sliceIntervalMs}. A pass takes the set,
 * its size and its work once, when it begins, and goes through the set's iterator, an equal share
 * of the size per slice; the pass's last slice takes whatever the set grew by. So the iterator must
 * stay usable while the set changes: hand over a copy, or a concurrent collection's weakly
 * consistent view, which does not copy the set at once. Items added during a pass may wait for the
 * next one; items removed during a pass may still be handed over, and the visitor must skip them.
 * An item's place in the next pass may move, so two visits of one item are at most two periods
 * apart (one when the set does not change). When the visitor throws, the slice ends there and the
 * next one goes on from the following item.
 *
 * <p>Threading: one owner thread calls {@link #visitNextSlice}, which gets the set and its work,
 * iterates it and calls the visitor on that thread; {@link #sliceIntervalMs} may be read by any
 * thread, such as a ticker that queues each slice to the owner.
 */
public final class SlicedSweep<T> {
    /** The shortest time between slices: a sweep wakes its thread at most 20 times a second. */
    static final long MIN_SLICE_INTERVAL_MS = 50;
    /**
     * The work of one slice in the server's sweeps: 1,000 peers or sessions, some 0.2 to 0.3 ms
     * of a carrier on the machine of docs/benchmarks.md.
     */
    public static final int WORK_PER_SLICE = 1_000;

    private final long periodMs;
    private final int maxSlices;
    private final int workPerSlice;
    private final Supplier<? extends Collection<? extends T>> items;
    private final IntSupplier work;
    /** The current pass's slice count; written by the owner at the start of a pass. */
    private volatile int slices = 1;
    /** Where the current pass has got to. */
    private Iterator<? extends T> pass = Collections.emptyIterator();
    /** How many items each slice of the current pass visits, but the last, which visits the rest. */
    private int share;
    /** The slice of the current pass the next call visits; {@link #slices} when a new pass is due. */
    private int nextSlice = 1;

    /**
     * @param period       how often each item is to be visited
     * @param workPerSlice the work one slice may do, in the units {@code work} counts
     * @param items        the set to sweep, got once at the start of each pass (see the class
     *                     Javadoc for what its iterator must allow)
     * @param work         how much work a pass over the set is, read at its start: its size, or
     *                     what its items hold (a pool's peers, of its channels)
     */
    public SlicedSweep(Duration period, int workPerSlice, Supplier<? extends Collection<? extends T>> items,
                       IntSupplier work) {
        this.periodMs = Math.max(1, period.toMillis());
        this.maxSlices = (int) Math.clamp(periodMs / MIN_SLICE_INTERVAL_MS, 1, 20);
        this.workPerSlice = workPerSlice;
        this.items = items;
        this.work = work;
    }

    /** How long to wait before the next call of {@link #visitNextSlice}. Any thread. */
    public long sliceIntervalMs() {
        return periodMs / slices;
    }

    /** Into how many slices the current pass is split. */
    public int slices() {
        return slices;
    }

    /** Hands the next slice's items to {@code visitor}, starting a new pass when the last one is done. */
    public void visitNextSlice(Consumer<? super T> visitor) {
        if (nextSlice == slices) {
            Collection<? extends T> set = items.get();
            slices = Math.clamp(Math.ceilDiv(Math.max(work.getAsInt(), 0), workPerSlice), 1, maxSlices);
            share = Math.ceilDiv(set.size(), slices);
            pass = set.iterator();
            nextSlice = 0;
        }
        boolean lastSlice = ++nextSlice == slices;
        for (int visited = 0; (lastSlice || visited < share) && pass.hasNext(); visited++) {
            visitor.accept(pass.next());
        }
        if (lastSlice) {
            pass = Collections.emptyIterator(); // lets go of a copy, or of what a view still holds
        }
    }
}
