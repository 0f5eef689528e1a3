package io.chanmux.server.pool;

import io.chanmux.protocol.wire.HostPort;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Single-port mode ({@code --udp-port}): every channel is served on one UDP port. On Linux the
 * port has one socket per pool, all bound with {@code SO_REUSEPORT}, so the kernel spreads the
 * sources over them (each source to one socket, by a hash of its address) and each socket has a
 * socket thread of its own (a virtual thread, or with {@code --udp-engine poll-loop} its pool's
 * loop); elsewhere ({@code SO_REUSEPORT} missing, as on Windows, or not spreading unicast
 * datagrams, as on the BSDs) the port has one socket. Datagrams carry the peer id, so the readers
 * find each sender's channel without a socket per channel.
 *
 * <p>Before the group is bound, the port is bound once without {@code SO_REUSEPORT}: that fails if
 * anything holds the port, so a second server started on the same port by mistake stops at once
 * instead of quietly taking half of the first one's traffic into its own reuse group.
 *
 * <p>Not thread-safe: built before the server starts, then owned by the {@link ChannelDirectory}'s
 * thread; the sockets are read by the pools' socket threads and closed by the pools at shutdown.
 */
final class SharedPort implements ChannelPorts {
    private final int port;
    private final List<DatagramChannel> sockets;

    private SharedPort(int port, List<DatagramChannel> sockets) {
        this.port = port;
        this.sockets = List.copyOf(sockets);
    }

    /**
     * Binds the shared port.
     *
     * @param port               the port; 0 picks a free one
     * @param sockets            how many sockets to bind to it ({@link #socketsFor})
     * @param receiveBufferBytes SO_RCVBUF of each socket, 0 for the system default
     * @param dontFragment       whether each socket gets don't-fragment ({@link RelaySockets#open})
     * @throws IOException naming the address when the port cannot be bound or set up
     */
    static SharedPort open(InetAddress bindAddress, int port, int sockets, int receiveBufferBytes, boolean dontFragment)
            throws IOException {
        List<DatagramChannel> bound = new ArrayList<>();
        InetSocketAddress wanted = new InetSocketAddress(bindAddress, port);
        try {
            DatagramChannel first = bind(wanted, false, receiveBufferBytes, dontFragment);
            bound.add(first);
            int actual = ((InetSocketAddress) first.getLocalAddress()).getPort();
            if (sockets > 1) {
                // The exclusive bind proved the port free; now the group takes it.
                first.close();
                bound.clear();
                InetSocketAddress group = new InetSocketAddress(bindAddress, actual);
                for (int i = 0; i < sockets; i++) {
                    bound.add(bind(group, true, receiveBufferBytes, dontFragment));
                }
            }
            return new SharedPort(actual, bound);
        } catch (IOException e) {
            for (DatagramChannel socket : bound) {
                socket.close();
            }
            throw new IOException("cannot bind the UDP port " + HostPort.format(wanted) + ": " + e.getMessage(), e);
        }
    }

    /**
     * How many sockets the shared port gets: one per pool where {@code SO_REUSEPORT} spreads
     * unicast datagrams over a group (Linux), else one.
     */
    static int socketsFor(int pools) {
        boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
        boolean reusePort = linux && supportsReusePort();
        return reusePort ? pools : 1;
    }

    /** The shared port's number. */
    int port() {
        return port;
    }

    /** The shared port, for every channel; never runs out. */
    @Override
    public ChannelSocket open() {
        return new ChannelSocket(port, null);
    }

    /** Nothing to free: the port stays bound for the server's lifetime. */
    @Override
    public void release(int channelPort) {
    }

    /** One port, however many channels. */
    @Override
    public int inUse() {
        return 1;
    }

    @Override
    public String exhausted() {
        return "the shared UDP port " + port + " never runs out";
    }

    @Override
    public List<DatagramChannel> sharedSockets() {
        return sockets;
    }

    private static DatagramChannel bind(InetSocketAddress address, boolean reusePort, int receiveBufferBytes,
                                        boolean dontFragment) throws IOException {
        DatagramChannel socket = RelaySockets.open(address.getAddress(), receiveBufferBytes, dontFragment);
        try {
            if (reusePort) {
                socket.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            return socket.bind(address);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static boolean supportsReusePort() {
        try (DatagramChannel probe = DatagramChannel.open()) {
            return probe.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (IOException e) {
            return false;
        }
    }
}
