package io.chanmux.server.channel;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * The two batched system calls the poll loop makes through {@code java.lang.foreign} ({@code
 * recvmmsg(2)}, {@code sendmmsg(2)}), linked once, the layouts they read, the way to a {@link
 * DatagramChannel}'s descriptor, {@code setsockopt(2)} for the one option the JDK does not set
 * ({@link DontFragment}), and the probe for UDP segmentation ({@link #segmentationWorks}).
 * Available on Linux x86-64 only (the layouts are LP64 Linux's), with native access granted and
 * {@code sun.nio.ch} exported to this module, as the server jar's manifest and surefire's
 * arguments do; elsewhere {@link #AVAILABLE} is false and the poll loop keeps the JDK's one
 * receive per datagram and one send per copy.
 *
 * <p>Layouts (LP64): {@code iovec} {base@0, len@8} 16 bytes; {@code mmsghdr} = {@code msghdr}
 * {name@0, namelen@8, iov@16, iovlen@24, control@32, controllen@40, flags@48} + {@code msg_len@56},
 * 64 bytes; {@code sockaddr_in} {family@0 (2), port@2 (big-endian), addr@4} 16 bytes; {@code
 * sockaddr_in6} {family@0 (10), port@2, flowinfo@4, addr@8, scope_id@24} 28 bytes.
 */
final class NativeSockets {
    /** Never block in the call, whatever the socket's mode. */
    private static final int MSG_DONTWAIT = 0x40;
    /** No SIGPIPE from a send, whatever is behind the descriptor: a precaution, the JVM ignores it too. */
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SEND_FLAGS = MSG_DONTWAIT | MSG_NOSIGNAL;
    static final int EAGAIN = 11;
    /**
     * The address tables of both vectors (sources decoded, targets encoded): a power of two, a few
     * times the peers one loop serves in the benchmarks (1,000), each key probing this many slots
     * from its home slot before it takes that one over.
     */
    static final int ADDRESS_TABLE_SLOTS = 4096;
    static final int ADDRESS_TABLE_PROBES = 16;
    /**
     * Errors a receive may meet on a sound, unconnected socket — kept as a precaution, as Linux
     * reports ICMP errors on such a socket only with {@code IP_RECVERR}: counted, and the socket
     * read again when ready. Any other means a bug (a descriptor not ours, bad memory). What is
     * counted or thrown is what the capturing retry of a failed receive met ({@link #recvmmsg}).
     */
    private static final int EINTR = 4;
    private static final int ENOMEM = 12;
    private static final int ENETUNREACH = 101;
    private static final int ECONNREFUSED = 111;
    private static final int EHOSTUNREACH = 113;
    /** {@code struct mmsghdr}: a {@code msghdr} of 56 bytes and its {@code msg_len}. */
    static final int MMSGHDR_BYTES = 64;
    /** Offsets in {@code struct mmsghdr}. */
    private static final long NAME = 0;
    static final long NAME_LENGTH = 8;
    static final long IOV = 16;
    static final long IOV_COUNT = 24;
    static final long CONTROL = 32;
    static final long CONTROL_LENGTH = 40;
    static final long MESSAGE_LENGTH = 56;
    /** {@code struct iovec} {base@0, len@8}. */
    static final int IOVEC_BYTES = 16;
    /** Room for a {@code sockaddr_in} (16 bytes) or a {@code sockaddr_in6} (28). */
    static final int NAME_BYTES = 32;
    /** A {@code sockaddr}'s port: network byte order. */
    static final ValueLayout.OfShort PORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final short AF_INET = 2;
    static final short AF_INET6 = 10;
    /** UDP generic segmentation offload (linux/udp.h): the control message's level and type. */
    static final int SOL_UDP = 17;
    static final int UDP_SEGMENT = 103;
    /** Offsets in {@code struct cmsghdr}: {@code cmsg_len} (8 bytes), level, type, then the data. */
    static final long CMSG_LEN = 0;
    static final long CMSG_LEVEL = 8;
    static final long CMSG_TYPE = 12;
    static final long CMSG_DATA = 16;
    /** {@code CMSG_LEN(2)} and {@code CMSG_SPACE(2)}: a control message carrying a {@code uint16} segment size. */
    static final long SEGMENT_CMSG_LEN = 18;
    static final int SEGMENT_CMSG_SPACE = 24;
    /** A joined message refused: an IPsec route (in kernels before 6.11 also a device that cannot checksum for it). */
    static final int EIO = 5;
    /** A joined message refused for a path MTU below its segment size: older kernels say EINVAL, newer EMSGSIZE. */
    static final int EINVAL = 22;
    static final int EMSGSIZE = 90;

    /**
     * int recvmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags, struct timespec *timeout),
     * and the same call leaving its {@code errno} in a capture segment. A capturing call slices that
     * segment anew on each call, an allocation the JIT removes only when it inlines the JDK's whole
     * path, which it does in some runs and not in others. So each call is made plain, and made again
     * capturing only when it failed, to tell why.
     */
    private static final MethodHandle RECVMMSG;
    private static final MethodHandle RECVMMSG_ERRNO;
    /** int sendmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags), plain and capturing {@code errno}. */
    private static final MethodHandle SENDMMSG;
    private static final MethodHandle SENDMMSG_ERRNO;
    /** int setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen), capturing {@code errno}. */
    private static final MethodHandle SETSOCKOPT_ERRNO;
    private static final VarHandle ERRNO;
    /** sun.nio.ch.SelChImpl#getFDVal. */
    private static final MethodHandle FD_VAL;
    /** Whether the calls and the descriptor can be used here. */
    static final boolean AVAILABLE;

    static {
        MethodHandle recvmmsg = null;
        MethodHandle recvmmsgErrno = null;
        MethodHandle sendmmsg = null;
        MethodHandle sendmmsgErrno = null;
        MethodHandle setsockoptErrno = null;
        VarHandle errno = null;
        MethodHandle fdVal = null;
        // Linked only where the descriptor is reachable, so a JVM that cannot use it links nothing native.
        if (isLinuxX64() && Object.class.getModule().isExported("sun.nio.ch", NativeSockets.class.getModule())) {
            try {
                Class<?> selChImpl = Class.forName("sun.nio.ch.SelChImpl");
                fdVal = MethodHandles.lookup().findVirtual(selChImpl, "getFDVal", MethodType.methodType(int.class))
                        .asType(MethodType.methodType(int.class, DatagramChannel.class));
                Linker.Option capture = Linker.Option.captureCallState("errno");
                FunctionDescriptor receive = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS);
                FunctionDescriptor send = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
                recvmmsg = downcall("recvmmsg", receive);
                recvmmsgErrno = downcall("recvmmsg", receive, capture);
                sendmmsg = downcall("sendmmsg", send);
                sendmmsgErrno = downcall("sendmmsg", send, capture);
                setsockoptErrno = downcall("setsockopt", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), capture);
                errno = Linker.Option.captureStateLayout().varHandle(MemoryLayout.PathElement.groupElement("errno"));
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                // not linkable here (native access denied, another JDK): the JDK's own calls remain
                recvmmsg = null;
            }
        }
        RECVMMSG = recvmmsg;
        RECVMMSG_ERRNO = recvmmsgErrno;
        SENDMMSG = sendmmsg;
        SENDMMSG_ERRNO = sendmmsgErrno;
        SETSOCKOPT_ERRNO = setsockoptErrno;
        ERRNO = errno;
        FD_VAL = fdVal;
        AVAILABLE = recvmmsg != null && recvmmsgErrno != null && sendmmsg != null && sendmmsgErrno != null
                && setsockoptErrno != null && errno != null && fdVal != null;
    }

    /** A handle on the C library's {@code function}, or null where it has none. */
    private static MethodHandle downcall(String function, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find(function).map(address -> linker.downcallHandle(address, descriptor, options))
                .orElse(null);
    }

    private NativeSockets() {
    }

    /** Whether this platform's layouts are the ones the vectors write (Linux x86-64). */
    static boolean platformSupported() {
        return isLinuxX64();
    }

    private static boolean isLinuxX64() {
        String arch = System.getProperty("os.arch");
        return System.getProperty("os.name").startsWith("Linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    /** The socket's descriptor. Only while {@link #AVAILABLE}. */
    static int descriptor(DatagramChannel socket) {
        try {
            return (int) FD_VAL.invokeExact(socket);
        } catch (Throwable e) {
            throw new IllegalStateException("the socket's descriptor is out of reach", e);
        }
    }

    /**
     * {@code count} {@code mmsghdr}s in {@code arena}, message {@code i} naming the {@link
     * #NAME_BYTES} at {@code names + i * NAME_BYTES} and the one {@code iovec} at {@code iovecs + i *
     * IOVEC_BYTES}; no control data.
     */
    static MemorySegment messages(Arena arena, int count, MemorySegment names, MemorySegment iovecs) {
        MemorySegment messages = arena.allocate((long) MMSGHDR_BYTES * count, 8);
        for (int i = 0; i < count; i++) {
            long at = (long) i * MMSGHDR_BYTES;
            messages.set(ValueLayout.JAVA_LONG, at + NAME, names.address() + (long) i * NAME_BYTES);
            messages.set(ValueLayout.JAVA_LONG, at + IOV, iovecs.address() + (long) i * IOVEC_BYTES);
            messages.set(ValueLayout.JAVA_LONG, at + IOV_COUNT, 1);
        }
        return messages;
    }

    /**
     * {@code count} control messages of {@link #SEGMENT_CMSG_SPACE} bytes each in {@code arena},
     * their headers written ({@code SOL_UDP}, {@code UDP_SEGMENT}); each one's segment size, at
     * {@link #CMSG_DATA}, is written by whoever sends it.
     */
    static MemorySegment segmentControls(Arena arena, int count) {
        MemorySegment controls = arena.allocate((long) SEGMENT_CMSG_SPACE * count, 8);
        for (int i = 0; i < count; i++) {
            long control = (long) i * SEGMENT_CMSG_SPACE;
            controls.set(ValueLayout.JAVA_LONG, control + CMSG_LEN, SEGMENT_CMSG_LEN);
            controls.set(ValueLayout.JAVA_INT, control + CMSG_LEVEL, SOL_UDP);
            controls.set(ValueLayout.JAVA_INT, control + CMSG_TYPE, UDP_SEGMENT);
        }
        return controls;
    }

    /**
     * Writes {@code target} as a sockaddr in the {@link #NAME_BYTES} at {@code at} in {@code
     * names}; returns its length.
     */
    static int writeName(MemorySegment names, long at, InetSocketAddress target) {
        names.asSlice(at, NAME_BYTES).fill((byte) 0);
        names.set(PORT, at + 2, (short) target.getPort());
        byte[] address = target.getAddress().getAddress();
        if (target.getAddress() instanceof Inet4Address) {
            names.set(ValueLayout.JAVA_SHORT, at, AF_INET);
            MemorySegment.copy(address, 0, names, ValueLayout.JAVA_BYTE, at + 4, 4);
            return 16;
        }
        names.set(ValueLayout.JAVA_SHORT, at, AF_INET6);
        MemorySegment.copy(address, 0, names, ValueLayout.JAVA_BYTE, at + 8, 16);
        names.set(ValueLayout.JAVA_INT, at + 24, ((Inet6Address) target.getAddress()).getScopeId());
        return 28;
    }

    /**
     * Whether this kernel cuts a message into datagrams by {@link #UDP_SEGMENT} (Linux 4.18 and
     * later), proven once over the IPv4 loopback: three bytes cut at two must arrive as a datagram
     * of two bytes and one of one. A kernel that ignored the control message would send a joined
     * run as one datagram of the whole payload; any failure here means no. Only while {@link #AVAILABLE}.
     */
    static boolean segmentationWorks() {
        try (Arena arena = Arena.ofConfined();
             DatagramChannel sender = DatagramChannel.open(StandardProtocolFamily.INET).bind(loopbackPort());
             DatagramChannel receiver = DatagramChannel.open(StandardProtocolFamily.INET).bind(loopbackPort());
             Selector selector = Selector.open()) {
            MemorySegment payload = arena.allocate(3);
            MemorySegment iovec = arena.allocate(IOVEC_BYTES, 8);
            iovec.set(ValueLayout.JAVA_LONG, 0, payload.address());
            iovec.set(ValueLayout.JAVA_LONG, 8, payload.byteSize());
            MemorySegment name = arena.allocate(NAME_BYTES, 8);
            int nameLength = writeName(name, 0, (InetSocketAddress) receiver.getLocalAddress());
            MemorySegment control = segmentControls(arena, 1);
            control.set(ValueLayout.JAVA_SHORT, CMSG_DATA, (short) 2);
            MemorySegment message = messages(arena, 1, name, iovec);
            message.set(ValueLayout.JAVA_INT, NAME_LENGTH, nameLength);
            message.set(ValueLayout.JAVA_LONG, CONTROL, control.address());
            message.set(ValueLayout.JAVA_LONG, CONTROL_LENGTH, SEGMENT_CMSG_SPACE);
            if (sendmmsg(errnoState(arena), descriptor(sender), message, 1) != 1) {
                return false;
            }
            receiver.configureBlocking(false);
            receiver.register(selector, SelectionKey.OP_READ);
            return receivedLength(receiver, selector) == 2 && receivedLength(receiver, selector) == 1;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static InetSocketAddress loopbackPort() throws IOException {
        return new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0);
    }

    /** The length of the next datagram {@code receiver} gets within a second, or -1. */
    private static int receivedLength(DatagramChannel receiver, Selector selector) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(8);
        if (receiver.receive(buffer) == null && (selector.select(1000) == 0 || receiver.receive(buffer) == null)) {
            return -1;
        }
        selector.selectedKeys().clear();
        return buffer.position();
    }

    /** Whether a receive that failed with {@code errno} may be retried when the socket is next ready. */
    static boolean transientReceiveError(int errno) {
        return errno == EINTR || errno == ENOMEM || errno == ECONNREFUSED || errno == ENETUNREACH
                || errno == EHOSTUNREACH;
    }

    /** Memory for the {@code errno} a call leaves, in {@code arena}. */
    static MemorySegment errnoState(Arena arena) {
        return arena.allocate(Linker.Option.captureStateLayout());
    }

    /** The {@code errno} the last call that was given {@code state} left. */
    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /**
     * {@code recvmmsg} without blocking and without a timeout: how many messages, or -1 with the
     * {@link #errno} left in {@code errnoState}. A failed call is made once more, capturing, and its
     * result is the one returned: what the first call met may have passed (the socket had nothing,
     * now it has, and the second call takes it). A failed call takes no datagram, so none is lost;
     * but an error the kernel reports once (one it kept after an earlier call that had already taken
     * some datagrams) is spent on the first call and goes uncounted, unless the retry fails too.
     */
    static int recvmmsg(MemorySegment errnoState, int fd, MemorySegment vector, int count) {
        try {
            int received = (int) RECVMMSG.invokeExact(fd, vector, count, MSG_DONTWAIT, MemorySegment.NULL);
            return received >= 0 ? received
                    : (int) RECVMMSG_ERRNO.invokeExact(errnoState, fd, vector, count, MSG_DONTWAIT, MemorySegment.NULL);
        } catch (Throwable e) {
            throw new IllegalStateException("recvmmsg failed to run", e);
        }
    }

    /**
     * {@code sendmmsg} without blocking: how many messages, or -1 with the {@link #errno} left in
     * {@code errnoState}. A call fails only when its first message was not sent, so a failed call
     * is made once more, capturing, without sending anything twice. That second call may send (the
     * send buffer has room again): its result is the one returned.
     */
    static int sendmmsg(MemorySegment errnoState, int fd, MemorySegment vector, int count) {
        try {
            int sent = (int) SENDMMSG.invokeExact(fd, vector, count, SEND_FLAGS);
            return sent >= 0 ? sent
                    : (int) SENDMMSG_ERRNO.invokeExact(errnoState, fd, vector, count, SEND_FLAGS);
        } catch (Throwable e) {
            throw new IllegalStateException("sendmmsg failed to run", e);
        }
    }

    /**
     * Sets the {@code int} socket option {@code level}/{@code option} of {@code socket} to {@code
     * value}. Only while {@link #AVAILABLE}.
     *
     * @throws IOException naming the option and the {@code errno} when the kernel refused it
     */
    static void setIntOption(DatagramChannel socket, int level, int option, int value) throws IOException {
        int result;
        int errno;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = errnoState(arena);
            MemorySegment optionValue = arena.allocateFrom(ValueLayout.JAVA_INT, value);
            result = (int) SETSOCKOPT_ERRNO.invokeExact(state, descriptor(socket), level, option, optionValue,
                    (int) ValueLayout.JAVA_INT.byteSize());
            errno = errno(state);
        } catch (Throwable e) {
            throw new IllegalStateException("setsockopt failed to run", e);
        }
        if (result != 0) {
            throw new IOException("setsockopt(level " + level + ", option " + option + ", " + value + ") failed: errno "
                    + errno);
        }
    }
}
