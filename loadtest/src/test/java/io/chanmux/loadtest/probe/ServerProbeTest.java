package io.chanmux.loadtest.probe;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerProbeTest {
    @Test
    void shouldSumUserAndSystemTicksWhenTheCommandNameHasSpacesAndParentheses() {
        String stat = "4242 (java (my) server) S 1 4242 4242 0 -1 4194560 1234 0 0 0 5678 910 0 0 20 0 30 0 100 "
                + "123456789 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";

        assertEquals(5678 + 910, ServerProbe.parseCpuTicks(stat).orElseThrow());
    }

    @Test
    void shouldReadResidentMemoryInBytesWhenStatusHasVmRss() {
        String status = "Name:\tjava\nVmPeak:\t  999 kB\nVmRSS:\t  123456 kB\nThreads:\t42\n";

        assertEquals(123456L * 1024, ServerProbe.parseResidentBytes(status).orElseThrow());
    }

    @Test
    void shouldReadSoftAndHardOpenFilesLimitsWhenLimitsAreListed() {
        String limits = """
                Limit                     Soft Limit           Hard Limit           Units
                Max cpu time              unlimited            unlimited            seconds
                Max open files            1024                 20000                files
                """;

        ServerProbe.OpenFilesLimit limit = ServerProbe.parseOpenFilesLimit(limits);

        assertEquals(1024, limit.soft());
        assertEquals(20000, limit.hard());
    }

    @Test
    void shouldReadUdpCountersByNameWhenSnmpHasTheUdpLines() {
        String snmp = """
                Tcp: RtoAlgorithm RtoMin
                Tcp: 1 200
                Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors
                Udp: 100 2 7 90 7 0
                UdpLite: InDatagrams NoPorts
                UdpLite: 0 0
                """;

        Map<String, Long> udp = ServerProbe.parseUdpCounters(snmp);

        assertEquals(7L, udp.get("RcvbufErrors"));
        assertEquals(100L, udp.get("InDatagrams"));
    }

    @Test
    void shouldComputeCpuPercentOfOneCoreWhenTicksAdvance() {
        assertEquals(150.0, ServerProbe.cpuPercent(1000, 1150, 1_000_000_000L), 1e-9);
    }

    @Test
    void shouldReadThisProcessWhenProbingItself() {
        ServerProbe self = ServerProbe.self();

        assertTrue(self.isKnown());
        assertTrue(self.residentBytes().orElse(0) > 0);
        assertTrue(self.cpuTicks().isPresent());
        assertTrue(ServerProbe.of(-1).cpuTicks().isEmpty());
    }
}
