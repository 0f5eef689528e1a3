package io.chanmux.server.pool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Channel sockets on ports the OS picks, so owner-logic tests never collide with anything else on the machine. */
final class EphemeralPorts implements ChannelPorts {
    private final int capacity;
    final Set<Integer> open = new HashSet<>();

    EphemeralPorts(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public ChannelSocket open() {
        if (open.size() >= capacity) {
            return null;
        }
        try {
            DatagramChannel socket = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) socket.getLocalAddress()).getPort();
            open.add(port);
            return new ChannelSocket(port, socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void release(int port) {
        open.remove(port);
    }

    @Override
    public int inUse() {
        return open.size();
    }

    @Override
    public String exhausted() {
        return "all " + capacity + " test ports are in use";
    }

    @Override
    public List<DatagramChannel> sharedSockets() {
        return List.of();
    }
}
