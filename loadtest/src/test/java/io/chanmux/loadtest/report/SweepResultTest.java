package io.chanmux.loadtest.report;

import com.fasterxml.jackson.databind.JsonNode;
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

    /** A generator whose scheduler lag p99 of 25 ms is past its 10 ms limit. */
    private static GeneratorCheck lagging(boolean allowed) {
        return GeneratorCheck.judge(60, 1, 25_000_000, allowed);
    }

    @Test
    void shouldFailAndSaySoFirstWhenTheGeneratorWasBoundAtAStepUpToTheKnee() {
        GeneratorCheck ok = ResultFixture.GENERATOR_OK;
        SweepResult sweep = SweepFixture.sweep(0.1, List.of(ok, lagging(false), ok), 0, 0, 24);

        assertEquals(List.of(2), sweep.generatorBoundSteps(), "step 2 is before the knee at step 3");
        assertEquals(Verdict.FAILED, sweep.exitStatus());
        String console = SweepTable.render(sweep);
        assertTrue(console.startsWith("LOAD GENERATOR BOUND: the knee, and the latency and loss at step 2, are the "
                + "load generator's, not the server's (its scheduler lag p99 was 25.000 ms"), console);
        assertTrue(console.contains("\nFAIL: the load generator was the bottleneck at step 2 "), console);
        assertTrue(console.contains("\nintegrity checks passed at every step\n"), console);
        assertTrue(console.endsWith("exit status 1\n"), console);
        JsonNode json = SweepJsonReport.toJson(sweep, "test");
        assertEquals("generatorBound", json.fieldNames().next(), "first, so no reader misses it");
        assertTrue(json.at("/generatorBound").asBoolean());
        assertEquals(2, json.at("/generatorBoundSteps/0").asInt());
        assertTrue(json.at("/steps/1/generatorBound").asBoolean());
        assertFalse(json.at("/steps/0/generatorBound").asBoolean());
        assertEquals(Verdict.FAILED, json.at("/exitStatus").asInt());
        assertTrue(SweepHtmlReport.render(sweep).contains("<p class=\"banner\" id=\"generator-bound\">LOAD GENERATOR BOUND"));
    }

    @Test
    void shouldCountEveryStepWhenThereIsNoKnee() {
        GeneratorCheck ok = ResultFixture.GENERATOR_OK;
        SweepResult sweep = SweepFixture.sweep(0.1, List.of(ok, ok, lagging(false)), 0, 0, 0);

        assertEquals(-1, sweep.kneeIndex());
        assertEquals(List.of(3), sweep.generatorBoundSteps(), "without a knee the last step decides 'no knee'");
        assertEquals(Verdict.FAILED, sweep.exitStatus());
        assertTrue(sweep.headline().startsWith("LOAD GENERATOR BOUND: the latency and loss at step 3 are"),
                sweep.headline());
    }

    @Test
    void shouldCountTheKneeItselfAndNameEveryBoundStep() {
        SweepResult sweep = SweepFixture.sweep(0.1, List.of(lagging(false), ResultFixture.GENERATOR_OK,
                lagging(false)), 0, 0, 24);

        assertEquals(2, sweep.kneeIndex());
        assertEquals(List.of(1, 3), sweep.generatorBoundSteps(), "the knee's own step decides it");
        assertTrue(sweep.headline().startsWith("LOAD GENERATOR BOUND: the knee, and the latency and loss at steps 1, 3,"),
                sweep.headline());
        assertEquals(Verdict.FAILED, sweep.exitStatus());
    }

    @Test
    void shouldOnlyNoteABoundStepPastTheKnee() {
        GeneratorCheck ok = ResultFixture.GENERATOR_OK;
        SweepResult sweep = SweepFixture.sweep(0.1, List.of(ok, ok, lagging(false)), 0, 24, 120);

        assertEquals(1, sweep.kneeIndex());
        assertEquals(List.of(), sweep.generatorBoundSteps());
        assertEquals("", sweep.headline());
        assertEquals(0, sweep.exitStatus(), "the server's knee was found before the generator fell behind");
        assertTrue(SweepTable.rows(sweep).get(2).cells().getLast().contains("GENERATOR-BOUND"));
        assertTrue(SweepTable.render(sweep).startsWith("chanmux rate sweep:"));
    }

    @Test
    void shouldPassButStillSaySoFirstWhenABoundGeneratorIsAllowed() {
        GeneratorCheck ok = GeneratorCheck.judge(50, 1, 1_000_000, true);
        SweepResult sweep = SweepFixture.sweep(0.1, List.of(lagging(true), ok), 0, 0);

        assertEquals(List.of(1), sweep.generatorBoundSteps());
        assertEquals(0, sweep.exitStatus());
        assertTrue(SweepTable.render(sweep).startsWith("LOAD GENERATOR BOUND: the latency and loss at step 1 are"));
    }
}
