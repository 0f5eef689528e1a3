package io.chanmux.server.channel;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Counters and activity with a row per socket thread: readers see the sums and the latest times. */
class RelayCountersTest {

    @Test
    void shouldSumEveryWritersRowWhenSeveralSocketThreadsServeOneChannel() {
        RelayCounters counters = new RelayCounters(3);
        counters.add(0, RelayCounter.FORWARDED, 5);
        counters.add(2, RelayCounter.FORWARDED, 7);
        counters.increment(1, RelayCounter.DROP_WRONG_SOURCE);

        assertEquals(12, counters.get(RelayCounter.FORWARDED));
        long[] totals = new long[RelayCounter.values().length];
        counters.addTo(totals);
        assertEquals(12, totals[RelayCounter.FORWARDED.ordinal()]);
        assertEquals(1, RelayCounter.totalDrops(counters.snapshot()));
    }

    @Test
    void shouldReportTheLatestTimesAndTheSumsWhenAPeerIsHeardOnTwoSockets() {
        PeerActivity activity = new PeerActivity(2, 100);
        assertEquals(100, activity.lastSeenNs());
        assertEquals(100, activity.lastWrongSourceNs(), "no wrong source yet: the join time");

        activity.record(0, 300, 40);
        activity.record(1, 200, 60); // the new socket after a rebinding, its clock read a little earlier
        activity.recordWrongSource(1, 250);

        assertEquals(300, activity.lastSeenNs());
        assertEquals(250, activity.lastWrongSourceNs());
        assertEquals(2, activity.datagrams());
        assertEquals(100, activity.bytes());
    }
}
