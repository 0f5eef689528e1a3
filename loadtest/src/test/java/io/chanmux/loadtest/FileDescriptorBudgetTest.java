package io.chanmux.loadtest;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileDescriptorBudgetTest {
    private static final LoadTestConfig EIGHT_THOUSAND = LoadTestConfig.builder()
            .server(new InetSocketAddress("127.0.0.1", 7790)).channels(2000).peersPerChannel(4).build();

    @Test
    void shouldCountAControlConnectionAndAUdpSocketPerPeerAndAConnectionPerChannel() {
        FileDescriptorBudget budget = FileDescriptorBudget.of(EIGHT_THOUSAND, 30);

        assertEquals(10_000, budget.controlConnections());
        assertEquals(8_000, budget.udpSockets());
        assertEquals(0, budget.embeddedServerFiles());
        assertEquals(18_000 + 30 + FileDescriptorBudget.MARGIN, budget.required());
        assertNull(budget.problem(20_000, 20_000), "8000 peers fit the 20000 limit");
    }

    @Test
    void shouldSayHowToRaiseTheLimitWhenTheSoftLimitIsTooLow() {
        String problem = FileDescriptorBudget.of(EIGHT_THOUSAND, 30).problem(1024, 20_000);

        assertTrue(problem.contains("ulimit -n 20000"), problem);
        assertTrue(problem.contains("1,024"), problem);
    }

    @Test
    void shouldCountOneConnectionAndSocketPerGroupOfPeersInACapacityTest() {
        LoadTestConfig capacity = LoadTestConfig.builder().server(new InetSocketAddress("127.0.0.1", 7790))
                .channels(100_000).peersPerChannel(2).peersPerSocket(100).build();

        FileDescriptorBudget budget = FileDescriptorBudget.of(capacity, 30);

        assertEquals(2_000 + 1_000, budget.controlConnections(), "200,000 peers in 2,000 groups, 1,000 owners");
        assertEquals(2_000, budget.udpSockets());
        assertNull(budget.problem(20_000, 20_000), "100,000 channels and 200,000 peers fit 20,000 files");
    }

    @Test
    void shouldCountTheServersSocketsTooWhenTheServerIsEmbedded() {
        LoadTestConfig embedded = LoadTestConfig.builder().embedded(true).channels(2000).peersPerChannel(4).build();

        FileDescriptorBudget budget = FileDescriptorBudget.of(embedded, 30);

        assertEquals(10_000 + 2_000 + 1, budget.embeddedServerFiles());
        String problem = budget.problem(20_000, 20_000);
        assertTrue(problem.contains("embedded server") && problem.contains("hard limit"), problem);
    }
}
