package io.chanmux.server.base;

import java.util.ArrayList;
import java.util.List;

/**
 * When a periodic check next looks at each of its items (a pool's peers for silence, the control
 * listener's sessions for deadlines), so that a tick reads only the items that may be due. A tick
 * that visited every item read each one's objects from memory the relay's datagrams had long since
 * pushed out of the caches: 0.3 to 0.9 ms of the relay's core once a second for 200 peers or 300
 * sessions, against some 30 µs for the same visit once the objects were cached (docs/benchmarks.md,
 * section 10, round 25).
 *
 * <p>A timing wheel: a ring of slots one tick interval wide, each an unordered list of the items
 * to look at in that interval. An item ({@link Entry}) knows its slot and its place in the slot's
 * list, so adding, removing and taking the next due item each touch the item and one list, and no
 * other item: a search tree's comparisons would read the objects of a dozen other items, all as
 * cold. A look may come early, never late: a time beyond the ring's span goes to its last slot
 * (and is looked at early, then scheduled again), and a time in a slot being taken goes to the
 * next one. Once the ticks fall so far behind (a stalled thread, more due looks than ticks can
 * take) that every slot of the ring is being taken, an item scheduled again waits in an overflow
 * list until the ring has caught up, so that no item is looked at twice in one tick.
 *
 * <p>Threading: one owner thread (the pool's, the listener's checker) does everything.
 */
public final class TimingWheel<E extends TimingWheel.Entry> {
    /** The most slots a ring has, whatever the timeouts: 4,096 ticks ahead at most. */
    static final int MAX_SLOTS = 4_096;

    private final long slotNs;
    private final int ringSize;
    /** The ring's slots, then the overflow list (index {@link #ringSize}). */
    private final List<List<E>> slots;
    /** The tick whose slot is taken next: no earlier slot holds anyone. */
    private long cursorTick;
    /** The tick of the last {@link #hasDue}: slots up to it are being taken. */
    private long takingUpToTick;
    private int size;

    /**
     * @param slotNs    a slot's width, the tick interval
     * @param horizonNs the longest time ahead a look is scheduled
     * @param startNs   now, in the server clock's nanoseconds
     */
    public TimingWheel(long slotNs, long horizonNs, long startNs) {
        this.slotNs = slotNs;
        this.ringSize = (int) Math.min(MAX_SLOTS, horizonNs / slotNs + 3);
        this.slots = new ArrayList<>(ringSize + 1);
        for (int i = 0; i <= ringSize; i++) {
            slots.add(new ArrayList<>());
        }
        this.cursorTick = Math.floorDiv(startNs, slotNs);
        this.takingUpToTick = cursorTick - 1;
    }

    /** Schedules a look at {@code item}, which is not scheduled, at {@code lookNs} or before. */
    public void add(E item, long lookNs) {
        assert !item.isScheduled() : "already in the wheel";
        // Not into a slot being taken, where the tick would hand the item over again at once;
        // nor beyond the ring (after a stall of a ring's span that may be a slot being taken).
        long earliest = Math.max(cursorTick, takingUpToTick + 1);
        long latest = cursorTick + ringSize - 1;
        int index = earliest > latest ? ringSize : slotOf(Math.min(Math.max(Math.floorDiv(lookNs, slotNs), earliest), latest));
        List<E> slot = slots.get(index);
        item.lookNs = lookNs;
        item.slot = index;
        item.position = slot.size();
        slot.add(item);
        size++;
    }

    /** Takes {@code item} out of the wheel, if it is in it. */
    public void remove(E item) {
        if (item.slot < 0) {
            return;
        }
        List<E> slot = slots.get(item.slot);
        E last = slot.removeLast();
        if (last != item) {
            slot.set(item.position, last);
            last.position = item.position;
        }
        item.slot = -1;
        size--;
    }

    /**
     * Whether an item is to be looked at by {@code nowNs}: the slot of an earlier tick, or of its
     * own, holds one. Once none does, the overflow's items go back into the ring.
     */
    public boolean hasDue(long nowNs) {
        long nowTick = Math.floorDiv(nowNs, slotNs);
        takingUpToTick = nowTick;
        while (cursorTick <= nowTick) {
            if (!cursorSlot().isEmpty()) {
                return true;
            }
            cursorTick++;
        }
        List<E> overflow = slots.get(ringSize);
        while (!overflow.isEmpty()) {
            E item = overflow.getLast();
            remove(item);
            add(item, item.lookNs);
        }
        return false;
    }

    /** Takes an item of the earliest slot out of the wheel; after {@link #hasDue}. */
    public E pollDue() {
        E item = cursorSlot().getLast();
        remove(item);
        return item;
    }

    /** Takes every item out. */
    public void clear() {
        for (List<E> slot : slots) {
            slot.forEach(item -> item.slot = -1);
            slot.clear();
        }
        size = 0;
    }

    /** How many items are scheduled. */
    public int size() {
        return size;
    }

    private List<E> cursorSlot() {
        return slots.get(slotOf(cursorTick));
    }

    private int slotOf(long tick) {
        return (int) Math.floorMod(tick, (long) ringSize);
    }

    /**
     * What a {@link TimingWheel} schedules: its place in the wheel, written by the wheel only (its
     * fields are package-private, out of reach of the items' own packages), on its owner's thread.
     * An item is in at most one wheel.
     */
    public abstract static class Entry {
        /** When the wheel is to hand the item over, at the latest. */
        long lookNs;
        /** Its slot, or -1 while it is not scheduled. */
        int slot = -1;
        /** Its place in that slot's list. */
        int position;

        /** When the item's look is due, at the latest, if it is scheduled. The wheel's owner thread. */
        public final long scheduledLookNs() {
            return lookNs;
        }

        /** Whether the item is in its wheel. The wheel's owner thread. */
        public final boolean isScheduled() {
            return slot >= 0;
        }
    }
}
