package io.chanmux.loadtest.report;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepResultTest {
    @Test
    void shouldFindTheKneeAtTheFirstStepWhoseLossExceedsTheLimitWhenLossRisesWithTheRate() {
        // 0, 0.0 %, 0.4167 % (1 of 240), 5 % (12 of 240)
        SweepResult sweep = SweepFixture.sweep(0.1, 0, 0, 1, 12);

        assertEquals(2, sweep.kneeIndex());
        assertEquals(3000.0, sweep.knee().orElseThrow().rate());
    }

    @Test
    void shouldFindNoKneeWhenEveryStepStaysWithinTheLimit() {
        SweepResult sweep = SweepFixture.sweep(0.5, 0, 1, 1);

        assertEquals(-1, sweep.kneeIndex(), "0.4167 % is within a 0.5 % limit");
        assertTrue(sweep.knee().isEmpty());
        assertTrue(SweepTable.kneeSentence(sweep).startsWith("no knee"), SweepTable.kneeSentence(sweep));
    }

    @Test
    void shouldKeepTheFirstKneeWhenALaterStepLosesLessAgain() {
        List<SweepStep> steps = SweepFixture.steps(0, 2.5, 0, 10);

        assertEquals(1, SweepResult.kneeIndex(steps, 0.1));
    }

    @Test
    void shouldNotCountLossEqualToTheLimitAsAKnee() {
        List<SweepStep> steps = SweepFixture.steps(0, 2.5);

        assertEquals(-1, SweepResult.kneeIndex(steps, 2.5), "the limit passes, as in a single run's verdict");
        assertEquals(1, SweepResult.kneeIndex(steps, 2.4));
    }

    @Test
    void shouldFindTheKneeAtTheFirstStepWhenEvenTheLowestRateLoses() {
        SweepResult sweep = SweepFixture.sweep(0.1, 5, 20);

        assertEquals(0, sweep.kneeIndex());
        assertTrue(SweepTable.kneeSentence(sweep).contains("lower the rates"), SweepTable.kneeSentence(sweep));
    }

    @Test
    void shouldExitWithZeroWhenLossPassedTheKneeButNoIntegrityCheckFailed() {
        SweepResult sweep = SweepFixture.sweep(0.1, 0, 24, 120);

        assertEquals(1, sweep.kneeIndex());
        assertFalse(sweep.integrityFailed());
        assertEquals(0, sweep.exitStatus(), "the knee is a finding, not a failure");
    }

    @Test
    void shouldExitWithOneWhenAnyStepDeliveredADuplicate() {
        SweepResult clean = SweepFixture.sweep(0.1, 0, 0);
        List<SweepStep> steps = List.of(clean.steps().get(0),
                new SweepStep(2000, ResultFixture.sample("duplicates", 120, 0, 3)));
        SweepResult sweep = new SweepResult(clean.title(), clean.target(), Instant.EPOCH, clean.config(), Map.of(),
                0.1, clean.rates(), steps, null);

        assertTrue(sweep.integrityFailed());
        assertEquals(Verdict.FAILED, sweep.exitStatus());
        assertTrue(SweepTable.rows(sweep).get(1).cells().getLast().contains("INTEGRITY"));
    }
}
