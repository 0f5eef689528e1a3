package io.chanmux.loadtest.traffic;

import io.chanmux.loadtest.traffic.DeliveryRecorder.Outcome;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DeliveryRecorderTest {
    private static final int ALICE = 11;
    private static final int BOB = 22;

    private final DeliveryRecorder recorder = new DeliveryRecorder(new int[] {BOB, ALICE}, 100);

    @Test
    void shouldCountEverythingDeliveredWhenEverySequenceArrivesInOrder() {
        for (long n = 0; n < 50; n++) {
            assertEquals(Outcome.IN_ORDER, recorder.record(ALICE, n));
            assertEquals(0, recorder.gapsOpenedByLast());
            assertEquals(Outcome.IN_ORDER, recorder.record(BOB, n));
        }

        DeliveryTally tally = recorder.tally(windows(0, 50));

        assertEquals(100, tally.expected());
        assertEquals(100, tally.delivered());
        assertEquals(0, tally.lost());
        assertEquals(0, tally.duplicates());
        assertEquals(0, tally.reordered());
    }

    @Test
    void shouldCountGapsAsLostWhenSequencesNeverArrive() {
        recorder.record(ALICE, 0);
        recorder.record(ALICE, 1);
        assertEquals(Outcome.IN_ORDER, recorder.record(ALICE, 5));
        assertEquals(3, recorder.gapsOpenedByLast(), "2, 3 and 4 are missing so far");
        recorder.record(ALICE, 6);
        // sequence 7, the last one, never arrives: a tail loss that only the sender's window reveals
        for (long n = 0; n < 8; n++) {
            recorder.record(BOB, n);
        }

        DeliveryTally tally = recorder.tally(windows(0, 8));

        assertEquals(16, tally.expected());
        assertEquals(12, tally.delivered());
        assertEquals(4, tally.lost());
        assertEquals(25.0, tally.lossPercent(), 1e-9);
    }

    @Test
    void shouldCountReorderedAndCloseTheGapWhenALateSequenceArrives() {
        recorder.record(ALICE, 0);
        recorder.record(ALICE, 2);
        assertEquals(1, recorder.gapsOpenedByLast());

        assertEquals(Outcome.REORDERED, recorder.record(ALICE, 1));
        recorder.record(ALICE, 3);

        DeliveryTally tally = recorder.tally(Map.of(ALICE, new SenderWindow(ALICE, 0, 4)));
        assertEquals(4, tally.expected());
        assertEquals(4, tally.delivered());
        assertEquals(0, tally.lost());
        assertEquals(1, tally.reordered());
    }

    @Test
    void shouldCountADuplicateWithoutDeliveringItTwiceWhenASequenceArrivesAgain() {
        recorder.record(BOB, 0);
        recorder.record(BOB, 1);

        assertEquals(Outcome.DUPLICATE, recorder.record(BOB, 1));
        assertEquals(Outcome.DUPLICATE, recorder.record(BOB, 0));

        DeliveryTally tally = recorder.tally(Map.of(BOB, new SenderWindow(BOB, 0, 2)));
        assertEquals(2, tally.delivered());
        assertEquals(2, tally.duplicates());
        assertEquals(0, tally.lost());
    }

    @Test
    void shouldReportAnUnknownSenderWhenThePeerIsNotASenderOfTheChannel() {
        assertEquals(Outcome.UNKNOWN_SENDER, recorder.record(33, 0));
    }

    @Test
    void shouldRejectTheSequenceWhenItIsNegativeOrTooLargeToTrack() {
        assertEquals(Outcome.BAD_SEQUENCE, recorder.record(ALICE, -1));
        assertEquals(Outcome.BAD_SEQUENCE, recorder.record(ALICE, DeliveryRecorder.MAX_SEQUENCE));
        assertEquals(Outcome.BAD_SEQUENCE, recorder.record(ALICE, Long.MAX_VALUE));
    }

    @Test
    void shouldSplitWarmupFromTheMeasuredWindowWhenTallying() {
        for (long n = 0; n < 10; n++) {
            if (n != 3 && n != 8) {
                recorder.record(ALICE, n);
            }
        }

        DeliveryTally tally = recorder.tally(Map.of(ALICE, new SenderWindow(ALICE, 5, 10)));

        assertEquals(5, tally.warmupExpected());
        assertEquals(4, tally.warmupDelivered());
        assertEquals(1, tally.warmupLost());
        assertEquals(5, tally.expected());
        assertEquals(4, tally.delivered());
        assertEquals(1, tally.lost());
    }

    @Test
    void shouldCountBeyondEndWhenASequenceArrivedThatItsSenderNeverSent() {
        recorder.record(ALICE, 0);
        recorder.record(ALICE, 1);
        recorder.record(ALICE, 40);

        DeliveryTally tally = recorder.tally(Map.of(ALICE, new SenderWindow(ALICE, 0, 2)));

        assertEquals(1, tally.beyondEnd());
        assertEquals(0, tally.lost());
    }

    @Test
    void shouldExpectNothingWhenASenderNeverStarted() {
        recorder.record(ALICE, 0);

        DeliveryTally tally = recorder.tally(Map.of(ALICE, new SenderWindow(ALICE, 0, 1)));

        assertEquals(1, tally.expected(), "BOB has no window, so nothing was expected from him");
        assertEquals(0, tally.lost());
    }

    @Test
    void shouldGrowBeyondTheExpectedSizeWhenASenderSendsMoreThanPlanned() {
        DeliveryRecorder small = new DeliveryRecorder(new int[] {ALICE}, 1);
        for (long n = 0; n < 100_000; n++) {
            assertEquals(Outcome.IN_ORDER, small.record(ALICE, n));
        }

        assertEquals(100_000, small.tally(Map.of(ALICE, new SenderWindow(ALICE, 0, 100_000))).delivered());
    }

    private static Map<Integer, SenderWindow> windows(long firstMeasured, long end) {
        return Map.of(ALICE, new SenderWindow(ALICE, firstMeasured, end), BOB, new SenderWindow(BOB, firstMeasured, end));
    }
}
