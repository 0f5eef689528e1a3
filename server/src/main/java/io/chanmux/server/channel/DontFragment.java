package io.chanmux.server.channel;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;

/**
 * Don't-fragment on the relay's UDP sockets ({@code --udp-dont-fragment}): {@code IP_MTU_DISCOVER}
 * set to {@code IP_PMTUDISC_PROBE}, and on an IPv6 socket {@code IPV6_MTU_DISCOVER} to {@code
 * IPV6_PMTUDISC_PROBE} too (its IPv4-mapped traffic follows the IPv4 option). Every copy then leaves
 * with DF set and is never fragmented by this host: one larger than the outgoing interface's MTU is
 * refused and counted in {@code sendErrors}, and one larger than a narrower hop further on is lost
 * there.
 *
 * <p>Why PROBE and not the JDK's {@code IP_DONTFRAGMENT} ({@code IP_PMTUDISC_DO}): PROBE ignores
 * the path MTU the kernel learns from ICMP "fragmentation needed", so a forged one cannot make the
 * copies to a peer fail. What it buys: a DF datagram of an unconnected IPv4 socket gets IP ID 0,
 * where the kernel otherwise hashes each destination into a shared ID table (66 ns per copy,
 * measured in docs/benchmarks.md round 27). Linux x86-64 with native access only ({@link
 * #requireAvailable}).
 */
public final class DontFragment {

    // The option and its value, for IPv4 (linux/in.h) and for IPv6 (linux/in6.h).
    static final int SOL_IP = 0;
    static final int IP_MTU_DISCOVER = 10;
    static final int IP_PMTUDISC_PROBE = 3;
    static final int SOL_IPV6 = 41;
    static final int IPV6_MTU_DISCOVER = 23;
    static final int IPV6_PMTUDISC_PROBE = 3;

    private DontFragment() {
    }

    /**
     * Proves at start-up that {@link #apply} works for sockets of {@code family}, so that a
     * channel's creation never meets a refusal that every port would meet alike.
     *
     * @throws IOException saying why when it does not: another platform, no native access, a kernel
     *                     without the option
     */
    public static void requireAvailable(StandardProtocolFamily family) throws IOException {
        if (!NativeSockets.AVAILABLE) {
            throw new IOException("--udp-dont-fragment needs Linux on x86-64 and the native access the server jar's "
                    + "manifest grants, not available here: set it to false");
        }
        try (DatagramChannel probe = DatagramChannel.open(family)) {
            apply(probe, family);
        } catch (IOException e) {
            throw new IOException("--udp-dont-fragment cannot be set here (" + e.getMessage() + "): set it to false", e);
        }
    }

    /**
     * Sets don't-fragment on {@code socket}, opened for {@code family}. Only once {@link
     * #requireAvailable} has passed.
     *
     * @throws IOException when the kernel refused the option
     */
    public static void apply(DatagramChannel socket, StandardProtocolFamily family) throws IOException {
        NativeSockets.setIntOption(socket, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE);
        if (family == StandardProtocolFamily.INET6) {
            NativeSockets.setIntOption(socket, SOL_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_PROBE);
        }
    }
}
