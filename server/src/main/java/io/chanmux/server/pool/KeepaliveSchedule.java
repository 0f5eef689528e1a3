package io.chanmux.server.pool;

import io.chanmux.server.pool.ChannelMembers.Member;

import java.util.ArrayList;
import java.util.List;

/**
 * When the pool next looks at each of its peers for silence, so that a keepalive tick reads only
 * the peers whose timeout may have run out. A tick that visited every peer read each one's objects
 * from memory the relay's datagrams had long since pushed out of the caches: 0.3 to 0.9 ms of the
 * relay's core once a second for 200 peers, against some 30 µs for the same visit once the objects
 * were cached (docs/benchmarks.md, section 10, round 25). A peer that is heard from is now looked
 * at about once per timeout instead.
 *
 * <p>A timing wheel: a ring of slots one tick interval wide, each an unordered list of the members
 * to look at in that interval. A member knows its slot and its place in the slot's list, so adding,
 * removing and taking the next due member each touch the member and one list, and no other member:
 * a search tree's comparisons would read the objects of a dozen other members, all as cold. A look
 * may come early, never late: a time beyond the ring's span goes to its last slot (and is looked
 * at early, then scheduled again), and a time in a slot being taken goes to the next one. Once
 * the ticks fall so far behind (a stalled pool thread, more due looks than ticks can take) that
 * every slot of the ring is being taken, a member scheduled again waits in an overflow list until
 * the ring has caught up, so that no member is looked at twice in one tick. Pool thread only.
 */
final class KeepaliveSchedule {
    /** The most slots a ring has, whatever the timeouts: 4,096 ticks ahead at most. */
    static final int MAX_SLOTS = 4_096;

    private final long slotNs;
    private final int ringSize;
    /** The ring's slots, then the overflow list (index {@link #ringSize}). */
    private final List<List<Member>> slots;
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
    KeepaliveSchedule(long slotNs, long horizonNs, long startNs) {
        this.slotNs = slotNs;
        this.ringSize = (int) Math.min(MAX_SLOTS, horizonNs / slotNs + 3);
        this.slots = new ArrayList<>(ringSize + 1);
        for (int i = 0; i <= ringSize; i++) {
            slots.add(new ArrayList<>());
        }
        this.cursorTick = Math.floorDiv(startNs, slotNs);
        this.takingUpToTick = cursorTick - 1;
    }

    /** Schedules a look at {@code member}, which is not scheduled, at {@code lookNs} or before. */
    void add(Member member, long lookNs) {
        // Not into a slot being taken, where the tick would hand the member over again at once;
        // nor beyond the ring (after a stall of a ring's span that may be a slot being taken).
        long earliest = Math.max(cursorTick, takingUpToTick + 1);
        long latest = cursorTick + ringSize - 1;
        int index = earliest > latest ? ringSize : slotOf(Math.min(Math.max(Math.floorDiv(lookNs, slotNs), earliest), latest));
        List<Member> slot = slots.get(index);
        member.nextLookNs = lookNs;
        member.scheduleSlot = index;
        member.schedulePosition = slot.size();
        slot.add(member);
        size++;
    }

    /** Takes {@code member} out of the schedule, if it is in it. */
    void remove(Member member) {
        if (member.scheduleSlot < 0) {
            return;
        }
        List<Member> slot = slots.get(member.scheduleSlot);
        Member last = slot.removeLast();
        if (last != member) {
            slot.set(member.schedulePosition, last);
            last.schedulePosition = member.schedulePosition;
        }
        member.scheduleSlot = -1;
        size--;
    }

    /**
     * Whether a member is to be looked at by {@code nowNs}: the slot of an earlier tick, or of its
     * own, holds one. Once none does, the overflow's members go back into the ring.
     */
    boolean hasDue(long nowNs) {
        long nowTick = Math.floorDiv(nowNs, slotNs);
        takingUpToTick = nowTick;
        while (cursorTick <= nowTick) {
            if (!cursorSlot().isEmpty()) {
                return true;
            }
            cursorTick++;
        }
        List<Member> overflow = slots.get(ringSize);
        while (!overflow.isEmpty()) {
            Member member = overflow.getLast();
            remove(member);
            add(member, member.nextLookNs);
        }
        return false;
    }

    /** Takes a member of the earliest slot out of the schedule; after {@link #hasDue}. */
    Member pollDue() {
        Member member = cursorSlot().getLast();
        remove(member);
        return member;
    }

    /** Takes every member out. */
    void clear() {
        for (List<Member> slot : slots) {
            slot.forEach(member -> member.scheduleSlot = -1);
            slot.clear();
        }
        size = 0;
    }

    /** How many members are scheduled. */
    int size() {
        return size;
    }

    private List<Member> cursorSlot() {
        return slots.get(slotOf(cursorTick));
    }

    private int slotOf(long tick) {
        return (int) Math.floorMod(tick, (long) ringSize);
    }
}
