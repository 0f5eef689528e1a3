package io.chanmux.server.pool;

import io.chanmux.server.channel.DontFragment;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;

/**
 * Opens the relay's UDP sockets, a channel's own ({@link PortAllocator}) or one of the shared
 * port's ({@link SharedPort}), with the options every one of them gets before it is bound.
 */
final class RelaySockets {
    private RelaySockets() {
    }

    /** The family of sockets bound to {@code address}. */
    static StandardProtocolFamily familyOf(InetAddress address) {
        return address instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    }

    /**
     * An unbound socket for {@code address}, with {@link DontFragment} when {@code dontFragment} (which
     * {@link DontFragment#requireAvailable} must have passed) and an SO_RCVBUF of {@code
     * receiveBufferBytes} (0: the system default). Closed again when an option fails.
     */
    static DatagramChannel open(InetAddress address, int receiveBufferBytes, boolean dontFragment) throws IOException {
        StandardProtocolFamily family = familyOf(address);
        DatagramChannel socket = DatagramChannel.open(family);
        try {
            if (dontFragment) {
                DontFragment.apply(socket, family);
            }
            if (receiveBufferBytes > 0) {
                socket.setOption(StandardSocketOptions.SO_RCVBUF, receiveBufferBytes);
            }
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }
}
