package io.chanmux.loadtest.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HtmlReportTest {
    @TempDir
    Path dir;

    @Test
    void shouldBeSelfContainedWithInlineSvgChartsWhenWritten() throws Exception {
        Path file = dir.resolve("report.html");

        HtmlReport.write(ResultFixture.sample("two channels", 120), file);

        String html = Files.readString(file);
        String lower = html.toLowerCase(Locale.ROOT);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<svg"), "charts are inline SVG");
        assertTrue(html.contains("One-way latency by percentile"));
        assertTrue(html.contains("Datagrams per second"));
        assertFalse(lower.contains("http://"), "no reference to any http URL");
        assertFalse(lower.contains("https://"), "no reference to any https URL");
        assertFalse(lower.contains("<script"), "no scripts");
        assertFalse(lower.contains("<link"), "no external style sheets");
        assertFalse(lower.contains(" src="), "nothing loaded from elsewhere");
        assertFalse(lower.contains("url("), "no CSS fetches");
        assertTrue(html.trim().endsWith("</html>"));
    }

    @Test
    void shouldEscapeMarkupWhenTheTitleContainsIt() {
        String html = HtmlReport.render(ResultFixture.sample("<script>alert(1)</script> & more", 120));

        assertFalse(html.contains("<script>alert"));
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"));
    }

    @Test
    void shouldShowTheFailuresWhenTheRunFailed() {
        LoadTestResult passed = ResultFixture.sample("x", 120);
        TrafficSummary lossy = new TrafficSummary(1, 2, 0.1, 120, 120, 200, 240, 40, 16.7, 0.1, 60, 120, 0, 0, 0, 1,
                passed.traffic().corrupt(), 0, 4, 4, 0, 0, 0, 0);
        LoadTestResult failed = new LoadTestResult("x", passed.target(), passed.startedAt(), passed.config(),
                passed.environment(), passed.connect(), lossy, passed.latency(), passed.schedulerLag(),
                passed.latencyCurve(), passed.server(), passed.timeSeries(), Verdict.judge(passed.connect(), lossy,
                ResultFixture.GENERATOR_OK), passed.nodes(), passed.generator());

        String html = HtmlReport.render(failed);

        assertTrue(html.contains("FAIL"));
        assertTrue(html.contains("echoed back to their sender"));
        assertTrue(html.contains("is above the limit"));
    }
}
