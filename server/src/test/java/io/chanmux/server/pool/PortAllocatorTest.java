package io.chanmux.server.pool;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The port range: round-robin, skipping ports another socket holds, null when full. */
class PortAllocatorTest {

    @Test
    void shouldSkipAPortAnotherSocketHoldsAndSayNoneWhenTheRangeIsFull() throws IOException {
        // A port the OS just handed out, so the range starts on a port that is surely taken.
        try (DatagramChannel squatter = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int taken = ((InetSocketAddress) squatter.getLocalAddress()).getPort();
            PortAllocator ports = new PortAllocator(InetAddress.getLoopbackAddress(), taken, taken, 0, false);

            assertNull(ports.open(), "the only port of the range is held by another socket");
            assertEquals(0, ports.inUse());
            assertEquals("every UDP port in " + taken + "-" + taken + " is in use", ports.exhausted());
        }
    }

    @Test
    void shouldHandOutPortsRoundRobinSoAFreedPortIsNotReusedFirst() throws IOException {
        try (DatagramChannel probe = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int low = ((InetSocketAddress) probe.getLocalAddress()).getPort() + 1;
            PortAllocator ports = new PortAllocator(InetAddress.getLoopbackAddress(), low, Math.min(65_535, low + 50), 0, false);
            try (DatagramChannel first = ports.open().socket(); DatagramChannel second = ports.open().socket()) {
                int firstPort = port(first);
                assertNotEquals(firstPort, port(second));
                assertEquals(2, ports.inUse());
                first.close();
                ports.release(firstPort);

                try (DatagramChannel third = ports.open().socket()) {
                    assertNotEquals(firstPort, port(third), "a released port is not the first reused");
                    assertEquals(2, ports.inUse());
                }
            }
        }
    }

    private static int port(DatagramChannel socket) throws IOException {
        return ((InetSocketAddress) socket.getLocalAddress()).getPort();
    }
}
