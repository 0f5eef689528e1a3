package io.chanmux.server.base;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The timing wheel behind the pools' keepalive ticks and the session checker, driven with a manual clock. */
class TimingWheelTest {
    private static final long SLOT = 1_000;

    /** An item with nothing but its place in the wheel. */
    private static final class Item extends TimingWheel.Entry {
    }

    private static Item item() {
        return new Item();
    }

    private static List<Item> pollAllDue(TimingWheel<Item> schedule, long nowNs) {
        List<Item> due = new ArrayList<>();
        while (schedule.hasDue(nowNs)) {
            due.add(schedule.pollDue());
        }
        return due;
    }

    @Test
    void shouldHandOverAnItemInTheSlotOfItsLookTimeNeitherEarlierNorLater() {
        TimingWheel<Item> schedule = new TimingWheel<>(SLOT, 10 * SLOT, 0);
        Item a = item();
        schedule.add(a, 5 * SLOT + 10);

        assertEquals(List.of(), pollAllDue(schedule, 5 * SLOT - 1));
        assertEquals(List.of(a), pollAllDue(schedule, 5 * SLOT), "the tick of its slot, 10 ns early");
        assertEquals(0, schedule.size());
        assertEquals(5 * SLOT + 10, a.scheduledLookNs());
        assertFalse(a.isScheduled());
    }

    @Test
    void shouldPutALookInASlotBeingTakenIntoTheNextAndOneBeyondTheRingIntoItsLast() {
        TimingWheel<Item> schedule = new TimingWheel<>(SLOT, 10 * SLOT, 0);
        Item first = item();
        Item again = item();
        Item far = item();
        schedule.add(first, 0);
        schedule.add(far, 1_000 * SLOT);

        assertTrue(schedule.hasDue(SLOT));
        assertEquals(first, schedule.pollDue());
        schedule.add(again, SLOT + 1); // as a tick schedules an item it has looked at
        assertFalse(schedule.hasDue(SLOT), "handed over again in the tick that took it");
        assertEquals(List.of(again), pollAllDue(schedule, 2 * SLOT));
        // The ring spans 13 slots (10 ahead, and 3): the far look comes early, at its last slot.
        assertEquals(List.of(), pollAllDue(schedule, 11 * SLOT));
        assertEquals(List.of(far), pollAllDue(schedule, 12 * SLOT));
    }

    @Test
    void shouldHandOverEachItemOnceInATickThatFellBehindTheWholeRingAndThenCatchUp() {
        TimingWheel<Item> schedule = new TimingWheel<>(SLOT, 10 * SLOT, 0); // 13 slots
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Item item = item();
            items.add(item);
            schedule.add(item, (1 + i % 12) * SLOT);
        }
        long stalledNs = 100 * SLOT; // the pool thread stalled for longer than the ring spans
        List<Item> looked = new ArrayList<>();
        while (schedule.hasDue(stalledNs) && looked.size() < 100) {
            Item item = schedule.pollDue();
            looked.add(item);
            schedule.add(item, stalledNs + 5 * SLOT); // as a tick schedules an item it has looked at
        }
        assertEquals(20, looked.size(), "looked at twice in one tick, or not at all");
        assertTrue(looked.containsAll(items));
        assertEquals(20, schedule.size());
        assertEquals(List.of(), pollAllDue(schedule, 104 * SLOT));
        assertEquals(20, pollAllDue(schedule, 105 * SLOT).size(), "back in the ring at their time");
    }

    @Test
    void shouldNeverHandOverARemovedItemAndKeepTheOthersOfItsSlot() {
        TimingWheel<Item> schedule = new TimingWheel<>(SLOT, 10 * SLOT, 0);
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Item item = item();
            items.add(item);
            schedule.add(item, 3 * SLOT);
        }
        schedule.remove(items.get(1)); // from the middle: the last takes its place
        schedule.remove(items.get(4)); // the last
        schedule.remove(items.get(4)); // twice: nothing
        assertEquals(3, schedule.size());

        List<Item> due = pollAllDue(schedule, 3 * SLOT);
        assertEquals(3, due.size());
        assertTrue(due.containsAll(List.of(items.get(0), items.get(2), items.get(3))));
        schedule.clear();
        assertEquals(0, schedule.size());
    }

    @Test
    void shouldHandOverEveryItemLeftInOnceAndInTheTickOfItsLook() {
        Random random = new Random(42);
        TimingWheel<Item> schedule = new TimingWheel<>(SLOT, 30 * SLOT, 7 * SLOT + 3);
        Map<Item, Long> scheduled = new HashMap<>();
        long nowNs = 7 * SLOT + 3;
        int handedOver = 0;
        for (int step = 0; step < 20_000; step++) {
            int op = random.nextInt(10);
            if (op < 5) {
                Item item = item();
                long lookNs = nowNs + random.nextLong(31 * SLOT);
                schedule.add(item, lookNs);
                scheduled.put(item, lookNs);
            } else if (op < 7 && !scheduled.isEmpty()) {
                Item leaving = scheduled.keySet().iterator().next();
                schedule.remove(leaving);
                scheduled.remove(leaving);
            } else {
                nowNs += random.nextLong(2 * SLOT);
                long nowTick = Math.floorDiv(nowNs, SLOT);
                for (Item item : pollAllDue(schedule, nowNs)) {
                    Long lookNs = scheduled.remove(item);
                    assertNotNull(lookNs, "handed over twice, or after its removal");
                    assertTrue(Math.floorDiv(lookNs, SLOT) <= nowTick, "handed over a slot early");
                    handedOver++;
                }
                for (long lookNs : scheduled.values()) {
                    assertTrue(Math.floorDiv(lookNs, SLOT) >= nowTick, "left in after the tick of its slot");
                }
            }
            assertEquals(scheduled.size(), schedule.size());
        }
        assertTrue(handedOver > 1_000 && !scheduled.isEmpty(), handedOver + " handed over");
    }
}
