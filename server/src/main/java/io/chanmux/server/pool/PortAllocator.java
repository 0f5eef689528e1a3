package io.chanmux.server.pool;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.util.BitSet;
import java.util.List;

/**
 * Per-channel ports: hands out UDP ports from the configured range, each as a bound
 * {@link DatagramChannel} of the channel's own. Ports are
 * tried round-robin from where the last search stopped, so a released port is available at once
 * but is not the first to be reused. A port another process holds is skipped.
 *
 * <p>Not thread-safe: owned by the {@link ChannelDirectory}'s thread.
 */
public final class PortAllocator implements ChannelPorts {
    private static final Logger log = LoggerFactory.getLogger(PortAllocator.class);

    private final InetAddress bindAddress;
    private final int lowPort;
    private final int highPort;
    private final int receiveBufferBytes;
    private final boolean dontFragment;
    private final BitSet inUse;
    private int cursor;
    private boolean cappedLogged;

    /**
     * @param receiveBufferBytes SO_RCVBUF of each socket, 0 for the system default
     * @param dontFragment       whether each socket gets don't-fragment ({@link RelaySockets#open})
     */
    public PortAllocator(InetAddress bindAddress, int lowPort, int highPort, int receiveBufferBytes,
                         boolean dontFragment) {
        this.bindAddress = bindAddress;
        this.lowPort = lowPort;
        this.highPort = highPort;
        this.receiveBufferBytes = receiveBufferBytes;
        this.dontFragment = dontFragment;
        this.inUse = new BitSet(highPort - lowPort + 1);
    }

    /** A bound socket on a free port of the range, or null when every port is taken. */
    @Override
    public ChannelSocket open() {
        int size = highPort - lowPort + 1;
        for (int tried = 0; tried < size; tried++) {
            int slot = (cursor + tried) % size;
            if (inUse.get(slot)) {
                continue;
            }
            DatagramChannel socket = tryBind(lowPort + slot);
            if (socket != null) {
                inUse.set(slot);
                cursor = (slot + 1) % size;
                return new ChannelSocket(lowPort + slot, socket);
            }
        }
        return null;
    }

    /** Returns a port to the range. Call after its socket is closed. */
    @Override
    public void release(int port) {
        inUse.clear(port - lowPort);
    }

    /** Ports handed out and not yet released. */
    @Override
    public int inUse() {
        return inUse.cardinality();
    }

    @Override
    public String exhausted() {
        return "every UDP port in " + lowPort + "-" + highPort + " is in use";
    }

    /** None: each channel has a socket of its own. */
    @Override
    public List<DatagramChannel> sharedSockets() {
        return List.of();
    }

    private DatagramChannel tryBind(int port) {
        DatagramChannel socket = null;
        try {
            socket = RelaySockets.open(bindAddress, receiveBufferBytes, dontFragment);
            if (receiveBufferBytes > 0) {
                noteIfCapped(socket.getOption(StandardSocketOptions.SO_RCVBUF));
            }
            socket.bind(new InetSocketAddress(bindAddress, port));
            return socket;
        } catch (IOException e) {
            closeQuietly(socket);
            return null;
        }
    }

    /** Logs once when the kernel gave less receive buffer than asked (it caps at net.core.rmem_max). */
    private void noteIfCapped(int granted) {
        if (granted < receiveBufferBytes && !cappedLogged) {
            cappedLogged = true;
            log.atWarn().addKeyValue("event", "udp_rcvbuf_capped")
                    .log("channel sockets get a {}-byte receive buffer, not the {} of --udp-rcvbuf: the kernel caps it "
                            + "at net.core.rmem_max; raise that (sysctl -w net.core.rmem_max={}) so bursts of junk cannot "
                            + "crowd out valid datagrams", granted, receiveBufferBytes, receiveBufferBytes);
        }
    }

    private static void closeQuietly(DatagramChannel socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing was bound; nothing to undo
            }
        }
    }
}
