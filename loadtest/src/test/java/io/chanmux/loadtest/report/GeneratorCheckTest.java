package io.chanmux.loadtest.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneratorCheckTest {
    private static final long MS = 1_000_000;

    @Test
    void shouldNotBeBoundWhenCpuAndLagAreJustInsideTheLimits() {
        GeneratorCheck check = GeneratorCheck.judge(89.9, 1, 10 * MS, false);

        assertFalse(check.bound());
        assertFalse(check.failsRun());
        assertEquals("", check.headline());
    }

    @Test
    void shouldBeBoundWhenCpuReachesNinetyPercentOfItsCores() {
        GeneratorCheck check = GeneratorCheck.judge(180, 2, MS, false);

        assertTrue(check.bound());
        assertEquals(90, check.cpuPercentOfCores(), 1e-9);
        assertTrue(check.reasons().getFirst().contains("90 % of its 2 cores"), check.reasons().toString());
    }

    @Test
    void shouldDivideCpuByTheCoresWhenTheGeneratorMayUseSeveral() {
        assertFalse(GeneratorCheck.judge(179, 2, MS, false).bound());
    }

    @Test
    void shouldBeBoundWhenSchedulerLagP99ExceedsTenMilliseconds() {
        GeneratorCheck check = GeneratorCheck.judge(10, 1, 10 * MS + 1, false);

        assertTrue(check.bound());
        assertEquals(1, check.reasons().size());
        assertTrue(check.reasons().getFirst().contains("scheduler lag p99"), check.reasons().toString());
    }

    @Test
    void shouldIgnoreCpuWhenItIsUnknown() {
        GeneratorCheck check = GeneratorCheck.judge(-1, 1, MS, false);

        assertFalse(check.bound());
        assertEquals(-1, check.cpuPercentOfCores());
    }

    @Test
    void shouldPassTheRunWhenABoundGeneratorIsAllowed() {
        GeneratorCheck allowed = GeneratorCheck.judge(100, 1, 300 * MS, true);

        assertTrue(allowed.bound());
        assertFalse(allowed.failsRun());
        assertEquals(2, allowed.reasons().size());
    }

    @Test
    void shouldFailTheVerdictAndLeadEveryReportWhenTheGeneratorWasBound() {
        GeneratorCheck bound = GeneratorCheck.judge(100, 1, 316 * MS, false);
        LoadTestResult sample = ResultFixture.sample("x", 120);
        LoadTestResult result = new LoadTestResult("x", sample.target(), sample.startedAt(), sample.config(),
                sample.environment(), sample.connect(), sample.traffic(), sample.latency(), sample.schedulerLag(),
                sample.latencyCurve(), sample.server(), sample.timeSeries(),
                Verdict.judge(sample.connect(), sample.traffic(), bound), sample.nodes(), bound);

        assertEquals(Verdict.FAILED, result.verdict().exitStatus());
        String console = SummaryReport.render(result);
        assertTrue(console.startsWith("LOAD GENERATOR BOUND: the latency and loss below are the load generator's, "
                + "not the server's"), console);
        assertTrue(JsonReport.toJson(result, "test").path("generatorBound").asBoolean());
        assertTrue(HtmlReport.render(result).contains("<p class=\"banner\" id=\"generator-bound\">LOAD GENERATOR BOUND"));
    }

    @Test
    void shouldSaySoInTheTableButNotLeadWhenTheGeneratorKeptUp() {
        String console = SummaryReport.render(ResultFixture.sample("x", 120));

        assertTrue(console.startsWith("chanmux load test: "), console);
        assertTrue(console.matches("(?s).*load generator +ok +cpu 50 % of its 1 core.*"), console);
        assertFalse(HtmlReport.render(ResultFixture.sample("x", 120)).contains("generator-bound"));
    }
}
