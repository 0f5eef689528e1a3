package io.chanmux.server.pool;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decision to poll or sleep, from the times a loop reports: taken when a window ends, from
 * the share of it the loop waited, and cut short within a window once polls have come back empty
 * for that share.
 */
class BusyPollingTest {
    private static final long MS = 1_000_000L;
    private static final long START = 5_000 * MS;

    @Test
    void shouldSleepWhenNoWholeWindowHasPassedYet() {
        BusyPolling busyPolling = started(20);

        busyPolling.selected(0, START + 9 * MS);

        assertFalse(busyPolling.polling());
    }

    @Test
    void shouldPollThroughTheNextWindowWhenTheLoopWaitedLessThanItsShare() {
        BusyPolling busyPolling = started(20);

        busyPolling.selected(MS, START + 10 * MS);

        assertTrue(busyPolling.polling(), "waited 10 % of the window");
    }

    @Test
    void shouldDecideFromTheWaitsOfEveryTurnWhenAWindowHasManyTurns() {
        BusyPolling busyPolling = started(20);

        turns(busyPolling, START, 150_000); // 15 %
        assertTrue(busyPolling.polling());
        turns(busyPolling, START + 10 * MS, 250_000); // 25 %
        assertFalse(busyPolling.polling());
    }

    @Test
    void shouldDecideFromTheWholeTimeWhenATurnOutlastsTheWindow() {
        BusyPolling busyPolling = started(20);

        busyPolling.selected(4 * MS, START + 30 * MS);

        assertTrue(busyPolling.polling(), "waited 4 of 30 ms");
    }

    @Test
    void shouldStartEachWindowAfreshWhenTheLastOneWaitedLong() {
        BusyPolling busyPolling = started(20);
        busyPolling.selected(10 * MS, START + 10 * MS);
        assertFalse(busyPolling.polling());

        busyPolling.selected(MS, START + 20 * MS);

        assertTrue(busyPolling.polling(), "the new window waited 10 %, whatever the last one did");
    }

    @Test
    void shouldSleepAgainAtOnceWhenItsPollsHaveComeBackEmptyForItsShareOfAWindow() {
        BusyPolling busyPolling = pollingFrom(START + 10 * MS);

        busyPolling.selected(MS, START + 11 * MS);
        busyPolling.selected(999_999, START + 12 * MS);
        assertTrue(busyPolling.polling(), "1.999999 ms of empty polls: under 20 % of a window");
        busyPolling.selected(1, START + 12 * MS + 1);
        assertFalse(busyPolling.polling(), "2 ms of empty polls, long before the window ends");
    }

    @Test
    void shouldSleepWhenASelectWaitedForSeconds() {
        BusyPolling busyPolling = started(20);

        busyPolling.selected(60_000 * MS, START + 60_001 * MS);

        assertFalse(busyPolling.polling());
    }

    @Test
    void shouldNeverPollWhenItsShareIsZero() {
        BusyPolling busyPolling = started(0);

        busyPolling.selected(0, START + 10 * MS);

        assertFalse(busyPolling.polling());
    }

    @Test
    void shouldPollWhenItsShareIsAHundredAndAnyOfTheWindowWasWork() {
        BusyPolling worked = started(100);
        worked.selected(10 * MS - 1, START + 10 * MS);
        assertTrue(worked.polling(), "1 ns of work");

        BusyPolling idle = started(100);
        idle.selected(10 * MS, START + 10 * MS);
        assertFalse(idle.polling(), "the whole window waited");
    }

    @Test
    void shouldRefuseAShareWhenItIsOutsideZeroToOneHundred() {
        assertThrows(IllegalArgumentException.class, () -> new BusyPolling(-1));
        assertThrows(IllegalArgumentException.class, () -> new BusyPolling(101));
    }

    private static BusyPolling started(int maxWaitPercent) {
        BusyPolling busyPolling = new BusyPolling(maxWaitPercent);
        busyPolling.start(START);
        return busyPolling;
    }

    /** A loop with a share of 20 % that polls from {@code windowStartNs}, after a window it never waited in. */
    private static BusyPolling pollingFrom(long windowStartNs) {
        BusyPolling busyPolling = started(20);
        busyPolling.selected(0, windowStartNs);
        assertTrue(busyPolling.polling());
        return busyPolling;
    }

    /** Ten turns of 1 ms from {@code fromNs}, each waiting {@code waitedNs}: one whole window. */
    private static void turns(BusyPolling busyPolling, long fromNs, long waitedNs) {
        for (int turn = 1; turn <= 10; turn++) {
            busyPolling.selected(waitedNs, fromNs + turn * MS);
        }
    }
}
