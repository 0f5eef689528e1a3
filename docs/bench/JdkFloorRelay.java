import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;

/**
 * A benchmark control, not part of chanmux: the C reference's simple mode (../shared/bench/refrelay.c,
 * {@code --mode simple}) written in plain JDK NIO, to tell what a JVM costs from what chanmux's own
 * datagram path costs. One platform thread, one level-triggered {@link Selector} over channel i on UDP
 * port 40000 + i of 127.0.0.1, at most 64 datagrams per ready socket per turn, one {@code receive} per
 * datagram and one {@code send} per copy (a failed send is skipped, a datagram over 9,216 bytes
 * dropped), stopping by itself after 900 s as the reference does; it speaks the reference's wire
 * format ({@link RefWire}; a peer is its source address), so {@code udpload} drives it with its
 * default protocol. No validation, limits or counters: loopback benchmarks only. Usage:
 * {@code java JdkFloorRelay.java [channels]} (the launcher finds RefWire.java beside it);
 * alternating.sh runs it with {@code JDK_FLOOR=1}.
 */
public final class JdkFloorRelay {
    /** One channel: its socket and its peers, as source addresses, with their ids. */
    private record Channel(DatagramChannel socket, List<SocketAddress> peers, List<Long> ids) {
    }

    /** One byte over the largest datagram, so that a longer one shows as a full buffer. */
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(RefWire.MAX_DATAGRAM + 1);
    private final ByteBuffer ack = ByteBuffer.allocateDirect(RefWire.CONTROL_BYTES);

    public static void main(String[] args) throws IOException {
        int channels = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        Selector selector = Selector.open();
        for (int c = 0; c < channels; c++) {
            DatagramChannel socket = DatagramChannel.open(StandardProtocolFamily.INET);
            socket.bind(new InetSocketAddress("127.0.0.1", RefWire.PORT_BASE + c));
            socket.configureBlocking(false);
            socket.register(selector, SelectionKey.OP_READ, new Channel(socket, new ArrayList<>(), new ArrayList<>()));
        }
        JdkFloorRelay relay = new JdkFloorRelay();
        long stopNs = System.nanoTime() + RefWire.MAX_SECONDS * 1_000_000_000L;
        while (System.nanoTime() - stopNs < 0) {
            selector.select(key -> relay.drain((Channel) key.attachment()), 200);
        }
    }

    private void drain(Channel channel) {
        try {
            for (int k = 0; k < RefWire.BATCH_PER_SOCKET; k++) {
                buffer.clear();
                SocketAddress source = channel.socket().receive(buffer);
                if (source == null) {
                    return;
                }
                int length = buffer.position();
                if (length > RefWire.MAX_DATAGRAM) {
                    continue;
                }
                if (length > 0 && buffer.get(0) == RefWire.DATA) {
                    forward(channel, source, length);
                } else if (length >= RefWire.CONTROL_BYTES) {
                    control(channel, source, buffer.get(0), buffer.getLong(1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void forward(Channel channel, SocketAddress source, int length) {
        int sender = channel.peers().indexOf(source);
        if (sender < 0) {
            return;
        }
        for (int j = 0, n = channel.peers().size(); j < n; j++) {
            if (j != sender) {
                buffer.limit(length).position(0);
                try {
                    channel.socket().send(buffer, channel.peers().get(j));
                } catch (IOException e) {
                    // as the reference: this copy is lost, the others go
                }
            }
        }
    }

    /** JOIN adds or moves a peer and acknowledges it; LEAVE removes it. */
    private void control(Channel channel, SocketAddress source, byte type, long id) throws IOException {
        int known = channel.peers().indexOf(source);
        if (type == RefWire.LEAVE) {
            if (known >= 0) {
                channel.peers().remove(known);
                channel.ids().remove(known);
            }
            return;
        }
        if (type != RefWire.JOIN) {
            return;
        }
        if (known < 0) {
            known = channel.ids().indexOf(id);
        }
        if (known < 0) {
            channel.peers().add(source);
            channel.ids().add(id);
        } else {
            channel.peers().set(known, source);
            channel.ids().set(known, id);
        }
        ack.clear();
        ack.put(RefWire.JOIN_ACK).putLong(id).flip();
        channel.socket().send(ack, source);
    }
}
