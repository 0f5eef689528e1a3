package io.chanmux.loadtest.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CapacityResultTest {
    @TempDir
    Path dir;

    /** 100 channels and 300 peers, all held to the end, with this generator's check of the join phase. */
    private static CapacityResult held(GeneratorCheck generator) {
        return new CapacityResult("127.0.0.1:7700 (server pid 1)", Instant.parse("2026-01-02T03:04:05Z"), Map.of(), 100,
                100, 0.5, 300, 300, null, 1.5, 90_000_000, 91_000_000, 95_000_000, 95_500_000, 10, 600, 600, 0, 100, 300,
                0, 0.2, 0.6, 1.4, 0.3, 0, generator);
    }

    @Test
    void shouldPassWithoutAWarningWhenTheGeneratorHadCpuToSpare() {
        CapacityResult result = held(GeneratorCheck.judgeCpu(60, 1, false));

        assertEquals(0, result.exitStatus());
        assertTrue(result.render().startsWith("capacity test against"), result.render());
        assertTrue(result.render().contains("generator   ok: cpu 60 % of its 1 core in the busier"), result.render());
        assertTrue(result.render().contains("verdict     PASS"), result.render());
    }

    @Test
    void shouldFailAndSaySoFirstWhenTheGeneratorWasAtItsCpuLimit() throws Exception {
        CapacityResult result = held(GeneratorCheck.judgeCpu(190, 2, false));

        assertTrue(result.allHeld(), "every channel and peer was held");
        assertEquals(Verdict.FAILED, result.exitStatus(), "but the join rate is the generator's");
        String console = result.render();
        assertTrue(console.startsWith("LOAD GENERATOR BOUND: the create and join rates below are the load generator's, "
                + "not the server's (its CPU was 95 % of its 2 cores (limit 90 %))"), console);
        assertTrue(console.contains("verdict     FAIL: the load generator was the bottleneck"), console);
        Path json = dir.resolve("capacity.json");
        result.writeJson(json);
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertEquals("generatorBound", report.fieldNames().next());
        assertTrue(report.at("/generatorBound").asBoolean());
        assertEquals(95.0, report.at("/generator/cpuPercentOfCores").asDouble());
        assertTrue(report.at("/allHeld").asBoolean());
        assertFalse(report.at("/passed").asBoolean());
        assertEquals(Verdict.FAILED, report.at("/exitStatus").asInt());
    }

    @Test
    void shouldPassButStillSaySoFirstWhenABoundGeneratorIsAllowed() {
        CapacityResult result = held(GeneratorCheck.judgeCpu(95, 1, true));

        assertEquals(0, result.exitStatus());
        assertTrue(result.render().startsWith("LOAD GENERATOR BOUND: the create and join rates below are"),
                result.render());
    }

    @Test
    void shouldSayTheGeneratorWasNotCheckedWhenItsCpuIsUnknown() {
        CapacityResult result = held(GeneratorCheck.judgeCpu(Double.NaN, 1, false));

        assertEquals(0, result.exitStatus(), "nothing measured to fail on");
        assertTrue(result.render().contains("generator   not checked"), result.render());
    }
}
