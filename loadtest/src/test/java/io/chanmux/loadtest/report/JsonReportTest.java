package io.chanmux.loadtest.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonReportTest {
    @TempDir
    Path dir;

    @Test
    void shouldContainEveryRequiredKeyWhenWrittenToAFile() throws Exception {
        Path file = dir.resolve("nested/report.json");

        JsonReport.write(ResultFixture.sample("two channels", 120), file, "0.1.0");

        JsonNode root = new ObjectMapper().readTree(file.toFile());
        for (String key : JsonReport.REQUIRED_KEYS) {
            assertFalse(root.at(key).isMissingNode(), "missing " + key);
        }
        assertEquals(3, root.path("timeSeries").size());
        assertEquals(5, root.path("latencyPercentileCurve").size());
        assertEquals(120.0, root.at("/latencyUs/p50").asDouble(), 1e-9);
        assertTrue(root.at("/verdict/passed").asBoolean());
    }

    @Test
    void shouldKeepTheKeyAsNullWhenAFigureIsUnknown() {
        JsonNode root = JsonReport.toJson(ResultFixture.sample("no stats", -1), "0.1.0");

        assertTrue(root.at("/traffic/relayIn").isNull());
        assertTrue(root.at("/traffic/relayInPerSecond").isNull());
        assertTrue(root.at("/traffic/hostRcvbufErrors").isNull());
        assertTrue(root.at("/timeSeries/1/relayInPerSecond").isNull());
        assertTrue(root.at("/timeSeries/1/serverCpuPercent").isNull());
        assertTrue(root.at("/config/serverPid").isNull());
    }
}
