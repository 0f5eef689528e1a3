package io.chanmux.loadtest.report;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VerdictTest {
    private static final ConnectSummary CONNECTED = new ConnectSummary(1, 2, 2, 0, null, 0, 0, LatencySummary.EMPTY);

    @Test
    void shouldPassWhenNothingIsWrongAndLossIsWithinTheLimit() {
        Verdict verdict = Verdict.judge(CONNECTED, traffic(1000, 1, 0, 0, 0), ResultFixture.GENERATOR_OK);

        assertTrue(verdict.passed());
        assertEquals(0, verdict.exitStatus());
    }

    @Test
    void shouldFailWhenLossExceedsTheLimit() {
        Verdict verdict = Verdict.judge(CONNECTED, traffic(1000, 2, 0, 0, 0), ResultFixture.GENERATOR_OK);

        assertFalse(verdict.passed());
        assertEquals(Verdict.FAILED, verdict.exitStatus());
    }

    @Test
    void shouldFailWhenAnyDatagramIsEchoedCorruptOrDuplicated() {
        assertFalse(Verdict.judge(CONNECTED, traffic(1000, 0, 1, 0, 0), ResultFixture.GENERATOR_OK).passed());
        assertFalse(Verdict.judge(CONNECTED, traffic(1000, 0, 0, 1, 0), ResultFixture.GENERATOR_OK).passed());
        assertFalse(Verdict.judge(CONNECTED, traffic(1000, 0, 0, 0, 1), ResultFixture.GENERATOR_OK).passed());
    }

    @Test
    void shouldFailWhenAPeerCouldNotConnectOrNothingWasMeasured() {
        ConnectSummary oneFailed = new ConnectSummary(1, 2, 1, 1, "c0-p1: refused", 0, 0, LatencySummary.EMPTY);

        assertFalse(Verdict.judge(oneFailed, traffic(1000, 0, 0, 0, 0), ResultFixture.GENERATOR_OK).passed());
        assertFalse(Verdict.judge(CONNECTED, traffic(0, 0, 0, 0, 0), ResultFixture.GENERATOR_OK).passed());
    }

    private static TrafficSummary traffic(long expected, long lost, long echoed, long corrupt, long duplicates) {
        double lossPercent = expected == 0 ? 0 : 100.0 * lost / expected;
        return new TrafficSummary(1, 1, 0, expected, expected, expected - lost, expected, lost, lossPercent, 0.1, 0, 0,
                0, duplicates, 0, echoed, Map.of("bad_check", corrupt), corrupt, 0, 0, 0, 0, 0, 0);
    }
}
