package io.chanmux.server.channel;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.foreign.ValueLayout;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The socket options {@link DontFragment} sets, read back with {@code getsockopt(2)}. */
class DontFragmentTest {
    /** int getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen). */
    private static final MethodHandle GETSOCKOPT = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getsockopt").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    @Test
    void shouldProbeOnAnIpv4Socket() throws Throwable {
        assertTrue(NativeSockets.AVAILABLE, "the build runs on Linux x86-64 with native access");
        try (DatagramChannel socket = DatagramChannel.open(StandardProtocolFamily.INET)) {
            // The kernel's default: IP_PMTUDISC_WANT, or DONT under net.ipv4.ip_no_pmtu_disc.
            assertNotEquals(DontFragment.IP_PMTUDISC_PROBE, option(socket, DontFragment.SOL_IP, DontFragment.IP_MTU_DISCOVER));
            DontFragment.apply(socket, StandardProtocolFamily.INET);
            assertEquals(DontFragment.IP_PMTUDISC_PROBE, option(socket, DontFragment.SOL_IP, DontFragment.IP_MTU_DISCOVER));
        }
    }

    @Test
    void shouldProbeForBothFamiliesOnAnIpv6Socket() throws Throwable {
        try (DatagramChannel socket = DatagramChannel.open(StandardProtocolFamily.INET6)) {
            DontFragment.apply(socket, StandardProtocolFamily.INET6);
            assertEquals(DontFragment.IPV6_PMTUDISC_PROBE,
                    option(socket, DontFragment.SOL_IPV6, DontFragment.IPV6_MTU_DISCOVER));
            // IPv4-mapped traffic of a dual-stack socket follows the IPv4 option.
            assertEquals(DontFragment.IP_PMTUDISC_PROBE, option(socket, DontFragment.SOL_IP, DontFragment.IP_MTU_DISCOVER));
        }
    }

    @Test
    void shouldPassTheStartUpCheckHereForEitherFamily() throws IOException {
        DontFragment.requireAvailable(StandardProtocolFamily.INET);
        DontFragment.requireAvailable(StandardProtocolFamily.INET6);
    }

    private static int option(DatagramChannel socket, int level, int option) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, (int) ValueLayout.JAVA_INT.byteSize());
            int result = (int) GETSOCKOPT.invokeExact(NativeSockets.descriptor(socket), level, option, value, length);
            assertEquals(0, result, "getsockopt");
            return value.get(ValueLayout.JAVA_INT, 0);
        }
    }
}
