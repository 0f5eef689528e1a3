package io.chanmux.loadtest.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SummaryReportTest {
    @Test
    void shouldListEveryHeadlineFigureAndTheVerdictWhenRendered() {
        String text = SummaryReport.render(ResultFixture.sample("two channels", 120));

        for (String figure : new String[] {"offered", "relay in", "delivered", "expected", "lost", "duplicates",
                "reordered", "latency p50", "latency p90", "latency p99", "latency p99.9", "latency max",
                "server drops", "server rss per peer", "PASS"}) {
            assertTrue(text.contains(figure), "missing " + figure + " in\n" + text);
        }
    }

    @Test
    void shouldShowDeliveredPerSecondOfEachNodeWhenTheRunSpannedACluster() {
        LoadTestResult twoNodes = ResultFixture.sample("two nodes", 120);

        String text = SummaryReport.render(twoNodes);

        assertTrue(text.matches("(?s).*via node a +120 +60.0 +1 channels.*"), text);
        assertTrue(text.matches("(?s).*via node b +120 +60.0 +1 channels.*"), text);
        LoadTestResult oneNode = new LoadTestResult(twoNodes.title(), twoNodes.target(), twoNodes.startedAt(),
                twoNodes.config(), twoNodes.environment(), twoNodes.connect(), twoNodes.traffic(), twoNodes.latency(),
                twoNodes.schedulerLag(), twoNodes.latencyCurve(), twoNodes.server(), twoNodes.timeSeries(),
                twoNodes.verdict(), twoNodes.nodes().subList(0, 1), twoNodes.generator());
        assertFalse(SummaryReport.render(oneNode).contains("via node"), "a single server has no per-node rows");
    }
}
