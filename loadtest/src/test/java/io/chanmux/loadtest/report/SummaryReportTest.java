package io.chanmux.loadtest.report;

import org.junit.jupiter.api.Test;

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
}
