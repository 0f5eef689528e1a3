package io.chanmux.loadtest.traffic;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RateSchedulerTest {
    private static final long START = 1_000_000_000L;
    private static final long NEVER = START + 1_000_000_000_000_000L;

    @Test
    void shouldPlaceDatagramsAtEvenlySpacedIntendedTimesWhenIntervalIsFractional() {
        RateScheduler schedule = new RateScheduler(START, 1e9 / 3, NEVER); // 3 per second: 333,333,333.3 ns apart

        assertEquals(START, schedule.intendedNs(0));
        assertEquals(START + 333_333_333, schedule.intendedNs(1));
        assertEquals(START + 666_666_667, schedule.intendedNs(2));
        assertEquals(START + 1_000_000_000, schedule.intendedNs(3));
        for (long n = 1; n < 10_000; n++) {
            long gap = schedule.intendedNs(n) - schedule.intendedNs(n - 1);
            assertTrue(gap == 333_333_333 || gap == 333_333_334, "gap " + gap + " before datagram " + n);
        }
    }

    @Test
    void shouldNotDriftWhenTheScheduleRunsForMillionsOfDatagrams() {
        RateScheduler schedule = new RateScheduler(START, 1e9 / 7, NEVER);

        // 7 per second for 10 hours: datagram 7 * 36000 is due exactly 36000 s later, to the nanosecond.
        assertEquals(START + 36_000_000_000_000L, schedule.intendedNs(7L * 36_000));
        long taken = 0;
        long now = START;
        while (taken < 2_000_000) {
            now += 1_000_000; // a sender that wakes every millisecond
            while (schedule.takeDue(now) >= 0) {
                taken++;
            }
        }
        assertEquals(START + Math.round(2_000_000 * (1e9 / 7)), schedule.nextIntendedNs());
    }

    @Test
    void shouldHandOutNothingBeforeItsTimeWhenAskedEarly() {
        RateScheduler schedule = new RateScheduler(START, 1_000_000, NEVER);

        assertEquals(RateScheduler.NOT_DUE, schedule.takeDue(START - 1));
        assertEquals(0, schedule.takeDue(START));
        assertEquals(RateScheduler.NOT_DUE, schedule.takeDue(START + 999_999));
        assertEquals(1, schedule.takeDue(START + 1_000_000));
    }

    @Test
    void shouldCatchUpOnlyWithOverdueDatagramsWhenTheSenderStalled() {
        RateScheduler schedule = new RateScheduler(START, 1_000_000, NEVER); // 1000 per second

        long afterStall = START + 10_500_000; // woke 10.5 intervals late
        List<Long> burst = new ArrayList<>();
        long sequence;
        while ((sequence = schedule.takeDue(afterStall)) >= 0) {
            burst.add(sequence);
        }

        assertEquals(11, burst.size(), "datagrams 0..10 were due by then, and only those");
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), burst);
        assertEquals(RateScheduler.NOT_DUE, schedule.takeDue(afterStall));
        assertEquals(11, schedule.takeDue(START + 11_000_000));
    }

    @Test
    void shouldNeverGetAheadOfTheScheduleWhenPolledAtRandomTimes() {
        RateScheduler schedule = new RateScheduler(START, 2_345_678.9, NEVER);
        Random random = new Random(42);
        long now = START;
        long taken = 0;
        for (int i = 0; i < 100_000; i++) {
            now += random.nextInt(20_000_000);
            while (schedule.takeDue(now) >= 0) {
                taken++;
            }
            long scheduledByNow = (long) Math.floor((now - START) / 2_345_678.9) + 1;
            assertTrue(taken <= scheduledByNow, "took " + taken + " but only " + scheduledByNow + " were due");
            assertEquals(scheduledByNow, taken, "every due datagram is handed out once asked");
        }
    }

    @Test
    void shouldSpreadSenderPhasesSoTheAggregateStreamIsEvenWhenRateIsSplit() {
        int senders = 8;
        double total = 4000; // each sender 500/s, every 2 ms; together one every 250 us
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < senders; i++) {
            RateScheduler schedule = RateScheduler.forSender(START, NEVER, total, i, senders);
            assertEquals(2_000_000, schedule.intervalNs(), 1e-6);
            for (long n = 0; n < 100; n++) {
                times.add(schedule.intendedNs(n));
            }
        }
        Collections.sort(times);
        for (int i = 1; i < times.size(); i++) {
            assertEquals(250_000, times.get(i) - times.get(i - 1), "aggregate gap before send " + i);
        }
    }

    @Test
    void shouldFinishAtTheEndWhenTheNextDatagramWouldBeDueAtOrAfterIt() {
        RateScheduler schedule = new RateScheduler(START, 1_000_000, START + 5_000_000);

        long taken = 0;
        while (schedule.takeDue(START + 100_000_000) >= 0) {
            taken++;
        }

        assertEquals(5, taken, "due at 0, 1, 2, 3 and 4 ms; 5 ms is the end");
        assertEquals(RateScheduler.FINISHED, schedule.takeDue(START + 100_000_000));
        assertTrue(schedule.finished());
        assertEquals(5, schedule.endSequence());
    }

    @Test
    void shouldFindTheFirstSequenceDueAtOrAfterAnInstantWhenSplittingWarmupFromMeasurement() {
        RateScheduler schedule = new RateScheduler(START + 123, 1e9 / 3, NEVER);

        assertEquals(0, schedule.firstSequenceAtOrAfter(START));
        assertEquals(0, schedule.firstSequenceAtOrAfter(START + 123));
        assertEquals(1, schedule.firstSequenceAtOrAfter(START + 124));
        assertEquals(3, schedule.firstSequenceAtOrAfter(START + 123 + 1_000_000_000));
        assertEquals(4, schedule.firstSequenceAtOrAfter(START + 124 + 1_000_000_000));
        for (long t = START; t < START + 3_000_000_000L; t += 7_777_777) {
            long n = schedule.firstSequenceAtOrAfter(t);
            assertTrue(schedule.intendedNs(n) >= t);
            assertTrue(n == 0 || schedule.intendedNs(n - 1) < t);
        }
    }

    @Test
    void shouldRejectTheScheduleWhenTheIntervalIsNotPositive() {
        assertThrows(IllegalArgumentException.class, () -> new RateScheduler(START, 0, NEVER));
        assertThrows(IllegalArgumentException.class, () -> new RateScheduler(START, Double.NaN, NEVER));
        assertThrows(IllegalArgumentException.class, () -> RateScheduler.forSender(START, NEVER, 100, 3, 3));
    }
}
