package io.chanmux.server.base;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * A periodic sweep over a changing set of items (the control listener's sessions), split into
 * slices once its work is large. Visiting every item in one run holds its thread for as long as
 * the set is large, and on a server with one carrier every virtual thread behind it: at 8,000
 * peers and 10,000 sessions the pools' sweep (since replaced by a schedule of looks) and the
 * deadline check held it for 1.6 and 1.2 ms (medians) once a second. Splitting every sweep is no better: each slice is one more
 * wake-up on the relay's core, and 20 slices a second raised a small relay's 99th percentile
 * latency by half or more (docs/benchmarks.md, section 10). So a pass is split only as far as its
 * work needs: one slice per {@code workPerSlice} units of work (channels and peers, sessions), at
 * least one, and at most as many as slices of 50 ms fit in the period, 20 at most. A pass within
 * one slice's work is one run per call, as if it were not sliced.
 *
 * <p>The owner calls {@link #visitNextSlice} about every {@link #sliceIntervalMs}. Progress follows
 * the clock, not the calls: each call visits items until the work done in the pass reaches the
 * share of its work that is due by the end of the current slice interval, so a late or missed call
 * makes the next slice larger, not the pass longer, and the pass is done about one period after
 * it began. A pass takes the set and its work once, when it begins; it ends when the set's
 * iterator is exhausted, so its last slice takes whatever the set grew by, and a visitor that
 * throws ends a slice, not the pass. The iterator must therefore stay usable while the set
 * changes: hand over a copy, or a concurrent collection's weakly consistent view. Items added
 * during a pass may wait for the next one; items removed during a pass may still be handed over,
 * and the visitor must skip them. An item's place in the next pass may move, so two visits of one
 * item are at most about two periods apart. One item is never split: its whole work is one visit.
 *
 * <p>Threading: one owner thread calls {@link #visitNextSlice}, which gets the set and its work,
 * iterates it and calls the visitor on that thread; {@link #sliceIntervalMs} and {@link #slices}
 * may be read by any thread, such as a ticker that queues each slice to the owner.
 */
public final class SlicedSweep<T> {
    /** The shortest time between slices: a sweep wakes its thread at most 20 times a second. */
    static final long MIN_SLICE_INTERVAL_MS = 50;
    /** The most slices one pass is split into. */
    static final int MAX_SLICES = 20;
    /**
     * The work of one slice in the server's sweeps: 1,000 sessions, some 0.2 to 0.5 ms of a carrier
     * on the machine of docs/benchmarks.md.
     */
    public static final int WORK_PER_SLICE = 1_000;

    private final long periodNs;
    private final int maxSlices;
    private final int workPerSlice;
    private final Supplier<? extends Collection<? extends T>> items;
    private final IntSupplier totalWork;
    private final ToIntFunction<? super T> workOf;
    /** The current pass's slice count; written by the owner at the start of a pass. */
    private volatile int slices = 1;
    /** Where the current pass has got to; exhausted when a new pass is due. */
    private Iterator<? extends T> pass = Collections.emptyIterator();
    private long passStartNs;
    private long passWork;
    private long workDone;

    /**
     * @param period       how often each item is to be visited
     * @param workPerSlice the work one slice may do, in the units {@code totalWork} counts
     * @param items        the set to sweep, got once at the start of each pass (see the class
     *                     Javadoc for what its iterator must allow)
     * @param totalWork    how much work a pass over the set is, read at its start: its size, or
     *                     what its items hold (a pool's channels and their peers)
     * @param workOf       one item's share of {@code totalWork}
     */
    public SlicedSweep(Duration period, int workPerSlice, Supplier<? extends Collection<? extends T>> items,
                       IntSupplier totalWork, ToIntFunction<? super T> workOf) {
        this.periodNs = Math.max(1, period.toMillis()) * 1_000_000L;
        this.maxSlices = Math.clamp(period.toMillis() / MIN_SLICE_INTERVAL_MS, 1, MAX_SLICES);
        if (workPerSlice < 1) {
            throw new IllegalArgumentException("workPerSlice must be at least 1, not " + workPerSlice);
        }
        this.workPerSlice = workPerSlice;
        this.items = items;
        this.totalWork = totalWork;
        this.workOf = workOf;
    }

    /** How long the owner waits between two calls of {@link #visitNextSlice}. Any thread. */
    public long sliceIntervalMs() {
        return periodNs / 1_000_000L / slices;
    }

    /** Into how many slices the current pass is split. Any thread. */
    public int slices() {
        return slices;
    }

    /**
     * Hands {@code visitor} the items whose work is due by the end of the slice interval that
     * begins at {@code nowNs}, starting a new pass once the last one is done: at once when it was
     * one slice, else when a period has passed since it began (within half a slice interval, for
     * a caller's timer that fires early).
     */
    public void visitNextSlice(long nowNs, Consumer<? super T> visitor) {
        int passSlices = slices;
        // Calls come a whole number of milliseconds apart, and a little late or early: half a slice
        // interval either way counts as on time for the pass's last slice and the next pass.
        long toleranceNs = periodNs / passSlices / 2;
        if (!pass.hasNext()) {
            if (passSlices > 1 && nowNs - passStartNs < periodNs - toleranceNs) {
                return; // the last pass did its work early (a large item first): the next is not due
            }
            Collection<? extends T> set = items.get();
            passWork = Math.max(totalWork.getAsInt(), 0);
            passSlices = Math.clamp(Math.ceilDiv(passWork, workPerSlice), 1, maxSlices);
            slices = passSlices;
            toleranceNs = periodNs / passSlices / 2;
            pass = set.iterator();
            passStartNs = nowNs;
            workDone = 0;
        }
        long dueByNs = nowNs - passStartNs + periodNs / passSlices;
        boolean all = dueByNs >= periodNs - toleranceNs;
        double workDue = all ? passWork : (double) passWork * dueByNs / periodNs;
        while ((all || workDone < workDue) && pass.hasNext()) {
            T item = pass.next();
            workDone += workOf.applyAsInt(item);
            visitor.accept(item);
        }
        if (!pass.hasNext()) {
            pass = Collections.emptyIterator(); // lets go of a copy, or of what a view still holds
        }
    }
}
