package io.chanmux.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScenariosTest {
    @Test
    void shouldBundleThePresetsTheIssueNamesWhenLoaded() {
        Scenarios scenarios = Scenarios.bundled();

        Scenario voice = scenarios.find("voice-small").orElseThrow();
        assertEquals(500, voice.channels());
        assertEquals(4, voice.peersPerChannel());
        assertEquals(50.0, voice.ratePerSender());
        assertEquals(160, voice.payloadBytes());
        Scenario fanout = scenarios.find("fanout-large").orElseThrow();
        assertEquals(10, fanout.channels());
        assertEquals(100, fanout.peersPerChannel());
        Scenario pairs = scenarios.find("pairs").orElseThrow();
        assertEquals(1000, pairs.channels());
        assertEquals(2, pairs.peersPerChannel());
        for (Scenario s : scenarios.all()) {
            LoadTestConfig.builder().embedded(true).apply(s).build(); // every preset is a valid config
            assertTrue(!s.description().isBlank(), s.name());
        }
    }

    @Test
    void shouldRejectTheFileWhenAPresetHasAnUnknownKey() throws Exception {
        var root = new ObjectMapper().readTree("{\"typo\": {\"chanels\": 5}}");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Scenarios.parse(root));
        assertTrue(e.getMessage().contains("chanels"), e.getMessage());
    }
}
