package io.chanmux.server.pool;

import io.chanmux.protocol.wire.Datagram;
import io.chanmux.server.channel.BindCookies;
import io.chanmux.server.channel.PeerLookup;
import io.chanmux.server.channel.RebindSignal;
import io.chanmux.server.channel.RelayChannel;
import io.chanmux.server.channel.RelayCounters;
import io.chanmux.server.channel.RelayPort;
import io.chanmux.server.channel.RelaySettings;
import io.chanmux.server.config.PeerRates;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A poll loop on a platform thread of its own, the loopback sockets of the channels a test makes
 * for it (and of a shared port, if it has one), and a socket that sends them datagrams; {@link
 * #close} stops the loop and closes them all.
 */
final class PollLoopFixture implements AutoCloseable {
    private static final PeerRates UNLIMITED = new PeerRates(Integer.MAX_VALUE, Integer.MAX_VALUE);
    private final RelaySettings settings = new RelaySettings(1500, BindCookies.newKey(), System::nanoTime,
            () -> UNLIMITED);
    private final List<DatagramChannel> sockets = new ArrayList<>();
    private final Map<String, DatagramChannel> socketsById = new ConcurrentHashMap<>();
    private DatagramChannel sender;
    private DatagramChannel sharedSocket;
    private Thread loopThread;

    /** Starts the loop, polling as {@code maxWaitPercent} says, calling {@code ended} for each channel it ends. */
    PollLoop startLoop(int maxWaitPercent, Consumer<Channel> ended) throws IOException {
        return startLoop(maxWaitPercent, ended, null);
    }

    /** {@link #startLoop(int, Consumer)} with a socket of a shared port ({@link #sharedPort}) for the loop to serve too. */
    PollLoop startLoop(int maxWaitPercent, Consumer<Channel> ended, RelayPort sharedPort) throws IOException {
        if (loopThread != null) {
            throw new IllegalStateException("one loop per fixture");
        }
        PollLoop loop = PollLoop.open(0, sharedPort, 1500, true, 16, maxWaitPercent, ended);
        loopThread = Thread.ofPlatform().name("test-poll").start(loop::run);
        return loop;
    }

    boolean loopAlive() {
        return loopThread.isAlive();
    }

    /** Interrupts the loop's thread, as closing its pool's scope does. */
    void interruptLoop() {
        loopThread.interrupt();
    }

    /** A channel with a loopback socket of its own, whose datagrams find their peers with {@code lookup}. */
    Channel channel(String id, PeerLookup lookup) throws IOException {
        DatagramChannel socket = openSocket();
        sockets.add(socket);
        socketsById.put(id, socket);
        RelayChannel relay = new RelayChannel(id, ((InetSocketAddress) socket.getLocalAddress()).getPort(), 1,
                new RebindSignal());
        RelayPort port = new RelayPort(socket, 0, lookup, relay.counters(), settings, 4);
        return new Channel(id, null, 2, null, null, null, relay, port);
    }

    /**
     * A loopback socket serving any channel, as a socket of the shared port does: it finds each
     * datagram's peer with {@code lookup} and counts what names no peer in {@code unattributed}.
     */
    RelayPort sharedPort(PeerLookup lookup, RelayCounters unattributed) throws IOException {
        if (sharedSocket != null) {
            throw new IllegalStateException("one shared port per fixture");
        }
        sharedSocket = openSocket();
        sockets.add(sharedSocket);
        return new RelayPort(sharedSocket, 0, lookup, unattributed, settings, 4);
    }

    DatagramChannel socketOf(Channel channel) {
        return socketsById.get(channel.id());
    }

    /** Sends {@code channel} one DATA datagram from peer 7, from the fixture's own socket. */
    void send(Channel channel) throws IOException {
        send(channel.port());
    }

    /** Sends the shared port ({@link #sharedPort}) one DATA datagram from peer 7, from the fixture's own socket. */
    void sendToSharedPort() throws IOException {
        send(((InetSocketAddress) sharedSocket.getLocalAddress()).getPort());
    }

    private void send(int port) throws IOException {
        if (sender == null) {
            sender = openSocket();
        }
        send(sender, port);
    }

    /** Sends {@code channel} one DATA datagram from peer 7, from {@code from}. */
    static void send(DatagramChannel from, Channel channel) throws IOException {
        send(from, channel.port());
    }

    private static void send(DatagramChannel from, int port) throws IOException {
        ByteBuffer datagram = Datagram.putHeader(ByteBuffer.allocate(Datagram.HEADER_BYTES + 4), Datagram.DATA, 7)
                .put(new byte[4]).flip();
        from.send(datagram, new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    /** A socket on a free loopback port. */
    static DatagramChannel openSocket() throws IOException {
        return DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @Override
    public void close() throws Exception {
        if (loopThread != null) {
            loopThread.interrupt();
            loopThread.join();
        }
        for (DatagramChannel socket : sockets) {
            socket.close();
        }
        if (sender != null) {
            sender.close();
        }
    }
}
