import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

/**
 * A benchmark control, not part of chanmux: the C reference's simple mode (../shared/bench/refrelay.c,
 * {@code --mode simple}), or its mmsg mode on one thread, line for line in Java, calling the same
 * system calls through {@code java.lang.foreign} (socket, bind, epoll_create1, epoll_ctl,
 * epoll_wait, recvfrom and sendto, or recvmmsg and sendmmsg) and nothing of the JDK's networking,
 * except that a channel's peer table is fixed at 64 (a JOIN beyond them is dropped,
 * unacknowledged) where the reference's grows. Where {@link JdkFloorRelay}
 * tells what a JVM relay in plain JDK NIO costs, this one tells what a JVM process costs with the
 * reference's own system calls: a gap between the two is the JDK's NIO layer, a gap between this
 * one and the reference is what a JVM process costs here, or something of this relay's own.
 * With {@code jdk-selector} it waits in a JDK {@link Selector} instead of its own epoll set, as
 * chanmux's poll loop does, and still receives and sends through the same calls: what the JDK's
 * selector costs. One platform thread, channel i on UDP port 40000 + i of 127.0.0.1, and the
 * reference's budget per socket, wire format and stop ({@link RefWire}). No validation, limits or
 * counters: loopback benchmarks, on Linux x86-64 only (the layouts below are its). Usage:
 * {@code java --enable-native-access=ALL-UNNAMED --add-exports java.base/sun.nio.ch=ALL-UNNAMED
 * FfmFloorRelay.java [channels] [epoll|jdk-selector|mmsg [batch]]}; alternating.sh runs it with
 * {@code FFM_FLOOR=1} (epoll, as {@code ffm_floor}), {@code FFM_SEL_FLOOR=1} (the JDK's selector,
 * as {@code ffm_sel_floor}) and {@code FFM_MMSG_FLOOR=1} (as {@code ffm_mmsg_floor}). With {@code
 * mmsg} it is the reference's mmsg mode on one thread ({@code --mode mmsg --threads 1 --batch B},
 * B 32 unless given): its own epoll set, and per ready socket up to 4 {@code recvmmsg} calls of up
 * to B datagrams, the copies of each call's datagrams sent with {@code sendmmsg}, a control message
 * sending the copies before it first.
 */
public final class FfmFloorRelay {
    private static final int MAX_EVENTS = 64;
    /** The reference grows a channel's peer table; 64 is room enough for the benchmarks' 2 or 10. */
    private static final int MAX_PEERS = 64;
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int EPOLLIN = 1;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_TRUNC = 0x20;
    /** struct epoll_event is packed on x86-64: a 4-byte mask, then 8 bytes of data. */
    private static final int EPOLL_EVENT_BYTES = 12;
    private static final int SOCKADDR_IN_BYTES = 16;
    /**
     * The mmsg mode's batch unless one is given: alternating.sh's default {@code REF_MMSG_BATCH}
     * (refrelay's own default is 64). Then the reference's rounds per ready socket.
     */
    private static final int MMSG_BATCH = 32;
    private static final int MMSG_ROUNDS = 4;
    /** The reference's sendmmsg vector (TX_MAX): room for every copy of a batch of the benchmarks' channels. */
    private static final int TX_MAX = 1024;
    /** struct iovec, struct mmsghdr (a struct msghdr, then msg_len) and their fields' offsets on x86-64. */
    private static final int IOVEC_BYTES = 16;
    private static final int MMSGHDR_BYTES = 64;
    private static final int MSG_NAME = 0;
    private static final int MSG_NAMELEN = 8;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MSG_FLAGS = 48;
    private static final int MSG_LEN = 56;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MethodHandle SOCKET = call("socket", ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
    private static final MethodHandle BIND = call("bind", ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT);
    private static final MethodHandle EPOLL_CREATE1 = call("epoll_create1", ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
    private static final MethodHandle EPOLL_CTL = call("epoll_ctl", ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS);
    private static final MethodHandle EPOLL_WAIT = call("epoll_wait", ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
    private static final MethodHandle RECVFROM = call("recvfrom", ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS);
    private static final MethodHandle SENDTO = call("sendto", ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT);
    private static final MethodHandle RECVMMSG = call("recvmmsg", ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS);
    private static final MethodHandle SENDMMSG = call("sendmmsg", ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);

    private static MethodHandle call(String name, ValueLayout result, ValueLayout... arguments) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), FunctionDescriptor.of(result, arguments));
    }

    /** One channel: its socket and its peers, each as its address's key, its id and its sockaddr_in. */
    private static final class Channel {
        final int fd;
        final long[] keys = new long[MAX_PEERS];
        final long[] ids = new long[MAX_PEERS];
        final MemorySegment[] addresses = new MemorySegment[MAX_PEERS];
        int peers;

        Channel(int fd, Arena arena) {
            this.fd = fd;
            for (int i = 0; i < MAX_PEERS; i++) {
                addresses[i] = arena.allocate(SOCKADDR_IN_BYTES, 8);
            }
        }

        int find(long key) {
            for (int i = 0; i < peers; i++) {
                if (keys[i] == key) {
                    return i;
                }
            }
            return -1;
        }
    }

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buffer = arena.allocate(RefWire.MAX_DATAGRAM, 8);
    private final MemorySegment from = arena.allocate(SOCKADDR_IN_BYTES, 8);
    private final MemorySegment fromLength = arena.allocate(ValueLayout.JAVA_INT);
    private final MemorySegment ack = arena.allocate(RefWire.CONTROL_BYTES, 8);
    private final MemorySegment events = arena.allocate((long) MAX_EVENTS * EPOLL_EVENT_BYTES, 8);

    public static void main(String[] args) throws Throwable {
        String arch = System.getProperty("os.arch");
        if (!System.getProperty("os.name").startsWith("Linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new IllegalStateException("the layouts here are Linux x86-64's, not " + arch + "'s");
        }
        int channels = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        String mode = args.length > 1 ? args[1] : "epoll";
        switch (mode) {
            case "epoll" -> new FfmFloorRelay().runEpoll(channels, 0);
            case "jdk-selector" -> new FfmFloorRelay().runJdkSelector(channels);
            case "mmsg" -> {
                int batch = args.length > 2 ? Integer.parseInt(args[2]) : MMSG_BATCH;
                if (batch < 1) {
                    throw new IllegalArgumentException("a batch of at least 1, not " + batch); // as refrelay's --batch
                }
                new FfmFloorRelay().runEpoll(channels, batch);
            }
            default -> throw new IllegalArgumentException("epoll, jdk-selector or mmsg, not " + mode);
        }
    }

    /** Its own epoll set; {@code mmsgBatch} 0 for the simple mode, else the mmsg mode's batch. */
    private void runEpoll(int channels, int mmsgBatch) throws Throwable {
        Mmsg vectors = mmsgBatch > 0 ? new Mmsg(mmsgBatch) : null;
        int epoll = (int) EPOLL_CREATE1.invokeExact(0);
        Channel[] byIndex = new Channel[channels];
        MemorySegment event = arena.allocate(EPOLL_EVENT_BYTES, 8);
        for (int c = 0; c < channels; c++) {
            int fd = (int) SOCKET.invokeExact(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
            MemorySegment address = arena.allocate(SOCKADDR_IN_BYTES, 8);
            address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
            address.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) (RefWire.PORT_BASE + c));
            address.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 4, 0x7f000001);
            if (fd < 0 || (int) BIND.invokeExact(fd, address, SOCKADDR_IN_BYTES) != 0) {
                throw new IllegalStateException("cannot open and bind port " + (RefWire.PORT_BASE + c));
            }
            byIndex[c] = new Channel(fd, arena);
            event.set(ValueLayout.JAVA_INT, 0, EPOLLIN);
            event.set(ValueLayout.JAVA_LONG_UNALIGNED, 4, c);
            if ((int) EPOLL_CTL.invokeExact(epoll, EPOLL_CTL_ADD, fd, event) != 0) {
                throw new IllegalStateException("epoll_ctl failed for port " + (RefWire.PORT_BASE + c));
            }
        }
        System.out.println("ffm floor: ready, ports " + RefWire.PORT_BASE + "-" + (RefWire.PORT_BASE + channels - 1)
                + (vectors != null ? ", epoll, recvmmsg/sendmmsg of " + mmsgBatch : ", epoll"));
        long stopNs = System.nanoTime() + RefWire.MAX_SECONDS * 1_000_000_000L;
        while (System.nanoTime() - stopNs < 0) {
            int ready = (int) EPOLL_WAIT.invokeExact(epoll, events, MAX_EVENTS, 200);
            for (int e = 0; e < ready; e++) {
                Channel channel = byIndex[(int) events.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) e * EPOLL_EVENT_BYTES + 4)];
                if (vectors != null) {
                    vectors.drain(channel);
                } else {
                    drain(channel);
                }
            }
        }
    }

    /** The same relay waiting in a JDK selector; the sockets are the JDK's, their descriptors used directly. */
    private void runJdkSelector(int channels) throws Throwable {
        Selector selector = Selector.open();
        for (int c = 0; c < channels; c++) {
            DatagramChannel socket = DatagramChannel.open(StandardProtocolFamily.INET);
            socket.bind(new InetSocketAddress("127.0.0.1", RefWire.PORT_BASE + c));
            socket.configureBlocking(false);
            int fd = ((sun.nio.ch.SelChImpl) socket).getFDVal();
            socket.register(selector, SelectionKey.OP_READ, new Channel(fd, arena));
        }
        System.out.println("ffm floor: ready, ports " + RefWire.PORT_BASE + "-" + (RefWire.PORT_BASE + channels - 1) + ", JDK selector");
        Consumer<SelectionKey> onReady = key -> {
            try {
                drain((Channel) key.attachment());
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        };
        long stopNs = System.nanoTime() + RefWire.MAX_SECONDS * 1_000_000_000L;
        while (System.nanoTime() - stopNs < 0) {
            selector.select(onReady, 200);
        }
    }

    private void drain(Channel channel) throws Throwable {
        for (int k = 0; k < RefWire.BATCH_PER_SOCKET; k++) {
            fromLength.set(ValueLayout.JAVA_INT, 0, SOCKADDR_IN_BYTES);
            long length = (long) RECVFROM.invokeExact(channel.fd, buffer, (long) RefWire.MAX_DATAGRAM, MSG_DONTWAIT | MSG_TRUNC, from, fromLength);
            if (length < 0) {
                return;
            }
            if (length == 0 || length > RefWire.MAX_DATAGRAM) {
                continue;
            }
            long key = from.get(ValueLayout.JAVA_LONG, 0);
            if (buffer.get(ValueLayout.JAVA_BYTE, 0) != RefWire.DATA) {
                control(channel, key, buffer, (int) length, from);
                continue;
            }
            int sender = channel.find(key);
            if (sender < 0) {
                continue;
            }
            for (int j = 0; j < channel.peers; j++) {
                if (j != sender) {
                    // As the reference, a failed copy is skipped (it counts it; this relay counts nothing).
                    long ignored = (long) SENDTO.invokeExact(channel.fd, buffer, length, 0, channel.addresses[j], SOCKADDR_IN_BYTES);
                }
            }
        }
    }

    /**
     * JOIN adds or moves a peer and acknowledges it; LEAVE removes it. The message is in {@code
     * datagram}, its sockaddr_in in {@code source}.
     */
    private void control(Channel channel, long key, MemorySegment datagram, int length, MemorySegment source) throws Throwable {
        if (length < RefWire.CONTROL_BYTES) {
            return;
        }
        byte type = datagram.get(ValueLayout.JAVA_BYTE, 0);
        long id = datagram.get(ValueLayout.JAVA_LONG_UNALIGNED, 1);
        int known = channel.find(key);
        if (type == RefWire.LEAVE) {
            if (known >= 0) {
                int last = --channel.peers;
                channel.keys[known] = channel.keys[last];
                channel.ids[known] = channel.ids[last];
                channel.addresses[known].copyFrom(channel.addresses[last]);
            }
            return;
        }
        if (type != RefWire.JOIN) {
            return;
        }
        if (known < 0) {
            for (int j = 0; j < channel.peers; j++) {
                if (channel.ids[j] == id) {
                    known = j;
                    break;
                }
            }
        }
        if (known < 0) {
            if (channel.peers == MAX_PEERS) {
                return;
            }
            known = channel.peers++;
        }
        channel.keys[known] = key;
        channel.ids[known] = id;
        channel.addresses[known].copyFrom(source);
        ack.set(ValueLayout.JAVA_BYTE, 0, RefWire.JOIN_ACK);
        ack.set(ValueLayout.JAVA_LONG_UNALIGNED, 1, id);
        long ignored = (long) SENDTO.invokeExact(channel.fd, ack, (long) RefWire.CONTROL_BYTES, 0, source, SOCKADDR_IN_BYTES);
    }

    /** The reference's mmsg mode's vectors and its drain of one ready socket (refrelay.c, worker_main). */
    private final class Mmsg {
        private final int batch;
        private final MemorySegment iovecs;
        private final MemorySegment received;
        private final MemorySegment copies = arena.allocate((long) TX_MAX * MMSGHDR_BYTES, 8);
        /** Slices made once, so that the drain makes no garbage, as the simple mode makes none. */
        private final MemorySegment[] datagramSlots;
        private final MemorySegment[] sourceSlots;
        private final MemorySegment[] iovecSlots;
        private final MemorySegment[] copiesFrom = new MemorySegment[TX_MAX];

        Mmsg(int batch) {
            this.batch = batch;
            MemorySegment buffers = arena.allocate((long) batch * RefWire.MAX_DATAGRAM, 8);
            iovecs = arena.allocate((long) batch * IOVEC_BYTES, 8);
            MemorySegment sources = arena.allocate((long) batch * SOCKADDR_IN_BYTES, 8);
            received = arena.allocate((long) batch * MMSGHDR_BYTES, 8);
            datagramSlots = new MemorySegment[batch];
            sourceSlots = new MemorySegment[batch];
            iovecSlots = new MemorySegment[batch];
            for (int i = 0; i < batch; i++) {
                datagramSlots[i] = buffers.asSlice((long) i * RefWire.MAX_DATAGRAM, RefWire.MAX_DATAGRAM);
                sourceSlots[i] = sources.asSlice((long) i * SOCKADDR_IN_BYTES, SOCKADDR_IN_BYTES);
                iovecSlots[i] = iovecs.asSlice((long) i * IOVEC_BYTES, IOVEC_BYTES);
                long header = (long) i * MMSGHDR_BYTES;
                received.set(ValueLayout.ADDRESS, header + MSG_IOV, iovecSlots[i]);
                received.set(ValueLayout.JAVA_LONG, header + MSG_IOVLEN, 1);
                received.set(ValueLayout.ADDRESS, header + MSG_NAME, sourceSlots[i]);
            }
            for (int i = 0; i < TX_MAX; i++) {
                copiesFrom[i] = copies.asSlice((long) i * MMSGHDR_BYTES);
                copies.set(ValueLayout.JAVA_INT, (long) i * MMSGHDR_BYTES + MSG_NAMELEN, SOCKADDR_IN_BYTES);
                copies.set(ValueLayout.JAVA_LONG, (long) i * MMSGHDR_BYTES + MSG_IOVLEN, 1);
            }
        }

        void drain(Channel channel) throws Throwable {
            for (int round = 0; round < MMSG_ROUNDS; round++) {
                for (int i = 0; i < batch; i++) {
                    iovecs.set(ValueLayout.ADDRESS, (long) i * IOVEC_BYTES, datagramSlots[i]);
                    iovecs.set(ValueLayout.JAVA_LONG, (long) i * IOVEC_BYTES + 8, RefWire.MAX_DATAGRAM);
                    received.set(ValueLayout.JAVA_INT, (long) i * MMSGHDR_BYTES + MSG_NAMELEN, SOCKADDR_IN_BYTES);
                }
                int count = (int) RECVMMSG.invokeExact(channel.fd, received, batch, MSG_DONTWAIT, MemorySegment.NULL);
                if (count <= 0) {
                    return;
                }
                int pending = 0;
                for (int i = 0; i < count; i++) {
                    long header = (long) i * MMSGHDR_BYTES;
                    int length = received.get(ValueLayout.JAVA_INT, header + MSG_LEN);
                    if ((received.get(ValueLayout.JAVA_INT, header + MSG_FLAGS) & MSG_TRUNC) != 0 || length == 0) {
                        continue;
                    }
                    MemorySegment datagram = datagramSlots[i];
                    MemorySegment source = sourceSlots[i];
                    long key = source.get(ValueLayout.JAVA_LONG, 0);
                    if (datagram.get(ValueLayout.JAVA_BYTE, 0) != RefWire.DATA) {
                        send(channel.fd, pending); // the copies point into the peer table the message may change
                        pending = 0;
                        control(channel, key, datagram, length, source);
                        continue;
                    }
                    int sender = channel.find(key);
                    if (sender < 0) {
                        continue;
                    }
                    MemorySegment iovec = iovecSlots[i];
                    iovec.set(ValueLayout.JAVA_LONG, 8, length); // every copy shares this iovec
                    for (int j = 0; j < channel.peers; j++) {
                        if (j == sender) {
                            continue;
                        }
                        if (pending == TX_MAX) {
                            send(channel.fd, pending);
                            pending = 0;
                        }
                        long copy = (long) pending * MMSGHDR_BYTES;
                        copies.set(ValueLayout.ADDRESS, copy + MSG_NAME, channel.addresses[j]);
                        copies.set(ValueLayout.ADDRESS, copy + MSG_IOV, iovec);
                        pending++;
                    }
                }
                send(channel.fd, pending);
                if (count < batch) {
                    return;
                }
            }
        }

        /**
         * As the reference's flush_tx, a copy that fails is skipped (it counts it; this relay counts
         * nothing), except that flush_tx retries a call interrupted by a signal (EINTR), which a send
         * on these non-blocking sockets does not meet in practice.
         */
        private void send(int fd, int pending) throws Throwable {
            for (int sent = 0; sent < pending; ) {
                int count = (int) SENDMMSG.invokeExact(fd, copiesFrom[sent], pending - sent, 0);
                sent += count < 0 ? 1 : count;
            }
        }
    }
}
