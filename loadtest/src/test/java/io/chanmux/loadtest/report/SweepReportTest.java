package io.chanmux.loadtest.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sweep's three renderings: console table, JSON and the self-contained HTML page. */
class SweepReportTest {
    @TempDir
    Path dir;

    @Test
    void shouldBeSelfContainedWithInlineSvgAndMarkTheKneeWhenTheHtmlIsWritten() throws Exception {
        Path file = dir.resolve("nested/sweep.html");

        SweepHtmlReport.write(SweepFixture.sweep(0.1, 0, 0, 6, 48), file);

        String html = Files.readString(file);
        String lower = html.toLowerCase(Locale.ROOT);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertEquals(3, html.split("<svg", -1).length - 1, "delivered, loss and latency charts");
        assertTrue(html.contains("knee (step 3)"), "the knee is marked on the charts");
        assertTrue(html.contains("<tr class=\"knee\">"), "and highlighted in the table");
        assertFalse(lower.contains("http://"), "no reference to any http URL");
        assertFalse(lower.contains("https://"), "no reference to any https URL");
        assertFalse(lower.contains("<script"), "no scripts");
        assertFalse(lower.contains("<link"), "no external style sheets");
        assertFalse(lower.contains(" src="), "nothing loaded from elsewhere");
        assertFalse(lower.contains("url("), "no CSS fetches");
        assertTrue(html.trim().endsWith("</html>"));
    }

    @Test
    void shouldHoldOneEntryPerStepAndTheKneeWhenTheJsonIsWritten() throws Exception {
        Path file = dir.resolve("sweep.json");

        SweepJsonReport.write(SweepFixture.sweep(0.1, 0, 0, 6, 48), file, "0.1.0");

        JsonNode root = new ObjectMapper().readTree(file.toFile());
        for (String key : SweepJsonReport.REQUIRED_KEYS) {
            assertFalse(root.at(key).isMissingNode(), "missing " + key);
        }
        assertEquals(4, root.path("steps").size());
        for (JsonNode step : root.path("steps")) {
            for (String key : SweepJsonReport.REQUIRED_STEP_KEYS) {
                assertFalse(step.at(key).isMissingNode(), "a step is missing " + key);
            }
            for (String key : JsonReport.REQUIRED_KEYS) {
                assertFalse(step.path("run").at(key).isMissingNode(), "a step's run is missing " + key);
            }
        }
        assertEquals(3, root.at("/knee/step").asInt());
        assertEquals(3000.0, root.at("/knee/rate").asDouble());
        assertTrue(root.at("/steps/2/knee").asBoolean());
        assertFalse(root.at("/steps/1/knee").asBoolean());
        assertEquals(2.5, root.at("/steps/2/lossPercent").asDouble(), 1e-9);
        assertEquals(0, root.at("/exitStatus").asInt());
        assertTrue(root.at("/abortedReason").isNull());
    }

    @Test
    void shouldKeepTheKneeNullWhenNoStepLostTooMuch() {
        JsonNode root = SweepJsonReport.toJson(SweepFixture.sweep(0.1, 0, 0), "0.1.0");

        assertTrue(root.at("/knee").isNull());
        assertFalse(root.at("/steps/1/aboveMaxLoss").asBoolean());
    }

    @Test
    void shouldPrintARowPerStepAndTheKneeWhenRenderedForTheConsole() {
        String table = SweepTable.render(SweepFixture.sweep(0.1, 0, 6));

        List<String> lines = table.lines().toList();
        int heading = 0;
        while (!lines.get(heading).contains("offered/s")) {
            heading++;
        }
        assertTrue(lines.get(heading).contains("p99.9 ms"), table);
        assertTrue(lines.get(heading + 1).trim().startsWith("1 "), table);
        assertTrue(lines.get(heading + 2).trim().startsWith("2 ") && lines.get(heading + 2).endsWith("KNEE"), table);
        assertTrue(table.contains("knee: step 2 at 2,000/s"), table);
        assertTrue(table.contains("exit status 0"), table);
    }
}
