package io.chanmux.server.channel;

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
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;

/**
 * The native memory behind one poll loop's {@code sendmmsg(2)} fan-outs (Linux x86-64 only): an
 * array of {@code struct mmsghdr}, each with its own {@code sockaddr} slot, all sharing one {@code
 * iovec} that points at the loop's receive buffer, so a datagram's copies go out in place, in one
 * system call, with nothing allocated per datagram. Targets' encoded addresses are kept in a small
 * table keyed by the identity of the {@link InetSocketAddress} (a peer's binding is one immutable
 * object), so an address is encoded, and {@link java.net.InetAddress#getAddress} allocates, only
 * when a binding is first seen or its slot was taken by another.
 *
 * <p>Layouts (LP64): {@code iovec} {base@0, len@8} 16 bytes; {@code mmsghdr} = {@code msghdr}
 * {name@0, namelen@8, iov@16, iovlen@24, control@32, controllen@40, flags@48} + {@code msg_len@56},
 * 64 bytes; {@code sockaddr_in} {family@0 (2), port@2 (big-endian), addr@4} 16 bytes; {@code
 * sockaddr_in6} {family@0 (10), port@2, flowinfo@4, addr@8, scope_id@24} 28 bytes.
 *
 * <p>Threading: one per poll loop, created, used and closed only by the loop's thread; its
 * {@link SendmmsgCopies} are the loop's ports' and run on the same thread.
 */
public final class SendmmsgVector implements AutoCloseable {
    /** Copies sent per system call; a larger fan-out takes more calls. */
    static final int CAPACITY = 64;
    private static final int MMSGHDR_BYTES = 64;
    private static final int NAME_BYTES = 32;
    private static final int CACHE_SLOTS = 1024;
    private static final short AF_INET = 2;
    private static final short AF_INET6 = 10;
    private static final int EAGAIN = 11;
    /** Never block in the call, whatever the socket's mode. */
    private static final int MSG_DONTWAIT = 0x40;

    /** int sendmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags), errno captured; null where unavailable. */
    private static final MethodHandle SENDMMSG;
    private static final VarHandle ERRNO;
    /** sun.nio.ch.SelChImpl#getFDVal, when java.base exports sun.nio.ch to this module; else null. */
    private static final MethodHandle FD_VAL;

    static {
        MethodHandle sendmmsg = null;
        VarHandle errno = null;
        MethodHandle fdVal = null;
        // Linked only where the descriptor is reachable, so a JVM that cannot use it links nothing native.
        if (isLinuxX64() && Object.class.getModule().isExported("sun.nio.ch", SendmmsgVector.class.getModule())) {
            try {
                Class<?> selChImpl = Class.forName("sun.nio.ch.SelChImpl");
                fdVal = MethodHandles.lookup().findVirtual(selChImpl, "getFDVal",
                        MethodType.methodType(int.class)).asType(MethodType.methodType(int.class, DatagramChannel.class));
                Linker linker = Linker.nativeLinker();
                Linker.Option capture = Linker.Option.captureCallState("errno");
                sendmmsg = linker.defaultLookup().find("sendmmsg").map(address -> linker.downcallHandle(address,
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), capture)).orElse(null);
                errno = Linker.Option.captureStateLayout().varHandle(MemoryLayout.PathElement.groupElement("errno"));
            } catch (ReflectiveOperationException | RuntimeException e) {
                // not linkable here (native access denied, another JDK): the JDK's per-copy sends remain
                sendmmsg = null;
            }
        }
        SENDMMSG = errno == null ? null : sendmmsg;
        ERRNO = errno;
        FD_VAL = fdVal;
    }

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment vector;
    private final MemorySegment iovec;
    private final MemorySegment names;
    private final MemorySegment errnoState;
    /** Encoded sockaddrs, NAME_BYTES each, and the address each encodes; a slot is chosen by identity hash. */
    private final MemorySegment cachedNames;
    private final InetSocketAddress[] cachedAddresses = new InetSocketAddress[CACHE_SLOTS];
    private final int[] cachedNameLengths = new int[CACHE_SLOTS];
    /** The receive buffer every copy's payload is read from. */
    private final ByteBuffer payload;
    /** The bytes of {@link #payload} the kernel may read: all of its capacity, from its start. */
    private final long payloadBytes;
    /** sendmmsg calls made; read by tests. Loop thread only. */
    long calls;

    private SendmmsgVector(ByteBuffer payload) {
        this.payload = payload;
        // Its whole capacity from index 0, whatever its position now: copies point at the start.
        MemorySegment whole = MemorySegment.ofBuffer(payload.duplicate().clear());
        this.payloadBytes = whole.byteSize();
        this.vector = arena.allocate((long) MMSGHDR_BYTES * CAPACITY, 8);
        this.iovec = arena.allocate(16, 8);
        this.names = arena.allocate((long) NAME_BYTES * CAPACITY, 8);
        this.cachedNames = arena.allocate((long) NAME_BYTES * CACHE_SLOTS, 8);
        this.errnoState = arena.allocate(Linker.Option.captureStateLayout());
        iovec.set(ValueLayout.JAVA_LONG, 0, whole.address());
        for (int i = 0; i < CAPACITY; i++) {
            long at = (long) i * MMSGHDR_BYTES;
            vector.set(ValueLayout.JAVA_LONG, at, names.address() + (long) i * NAME_BYTES);
            vector.set(ValueLayout.JAVA_LONG, at + 16, iovec.address());
            vector.set(ValueLayout.JAVA_LONG, at + 24, 1);
        }
    }

    /**
     * A vector whose copies carry bytes of {@code payload}, a direct buffer, or null where {@code
     * sendmmsg} cannot be used: not Linux x86-64, no native access, or {@code sun.nio.ch} not
     * exported to this module (the socket's descriptor is out of reach).
     */
    public static SendmmsgVector openIfAvailable(ByteBuffer payload) {
        return SENDMMSG == null || !payload.isDirect() ? null : new SendmmsgVector(payload);
    }

    /** Whether this platform's layouts are the ones this class writes (Linux x86-64). */
    static boolean platformSupported() {
        return isLinuxX64();
    }

    private static boolean isLinuxX64() {
        String arch = System.getProperty("os.arch");
        return System.getProperty("os.name").startsWith("Linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    /**
     * The copy sender of {@code socket}, a channel's socket registered with this vector's loop.
     * The descriptor is read once, here: the socket stays open in the kernel as long as its key is
     * registered with the loop's selector, and only the loop thread, which deregisters keys, uses it.
     */
    CopySender copiesFor(DatagramChannel socket) {
        try {
            return new SendmmsgCopies(this, (int) FD_VAL.invokeExact(socket));
        } catch (Throwable e) {
            return new CopySender.PerCopy(socket);
        }
    }

    /** Whether {@code datagram} is the buffer this vector's copies point into. */
    boolean carries(ByteBuffer datagram) {
        return datagram == payload;
    }

    /**
     * Sets every copy's payload length.
     *
     * @throws IllegalArgumentException beyond the buffer: the kernel would read, and send, memory past it
     */
    void payloadLength(int length) {
        if (length < 0 || length > payloadBytes) {
            throw new IllegalArgumentException("payload of " + length + " bytes in a buffer of " + payloadBytes);
        }
        iovec.set(ValueLayout.JAVA_LONG, 8, length);
    }

    /** Writes {@code target}'s sockaddr into message {@code index}. */
    void target(int index, InetSocketAddress target) {
        int slot = (System.identityHashCode(target) & 0x7fffffff) % CACHE_SLOTS;
        if (cachedAddresses[slot] != target) {
            cachedNameLengths[slot] = encode(target, cachedNames.asSlice((long) slot * NAME_BYTES, NAME_BYTES));
            cachedAddresses[slot] = target;
        }
        MemorySegment.copy(cachedNames, (long) slot * NAME_BYTES, names, (long) index * NAME_BYTES, NAME_BYTES);
        vector.set(ValueLayout.JAVA_INT, (long) index * MMSGHDR_BYTES + 8, cachedNameLengths[slot]);
    }

    /**
     * Sends messages {@code [0, count)} from {@code fd}: one {@code sendmmsg} while it succeeds. A
     * message the kernel refuses is skipped (counted as not sent); a full send buffer ({@code
     * EAGAIN}) ends the fan-out, dropping the rest. At most {@code count} calls, never a spin.
     *
     * @return how many messages were sent
     */
    int send(int fd, int count) {
        int sent = 0;
        int next = 0;
        while (next < count) {
            int result = sendmmsg(fd, next, count - next);
            if (result > 0) {
                sent += result;
                next += result;
            } else if ((int) ERRNO.get(errnoState, 0L) == EAGAIN) {
                break;
            } else {
                next++;
            }
        }
        return sent;
    }

    private int sendmmsg(int fd, int from, int count) {
        calls++;
        try {
            MemorySegment at = from == 0 ? vector : vector.asSlice((long) from * MMSGHDR_BYTES);
            return (int) SENDMMSG.invokeExact(errnoState, fd, at, count, MSG_DONTWAIT);
        } catch (Throwable e) {
            throw new IllegalStateException("sendmmsg failed to run", e);
        }
    }

    private static int encode(InetSocketAddress target, MemorySegment name) {
        name.fill((byte) 0);
        name.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) target.getPort());
        byte[] address = target.getAddress().getAddress();
        if (target.getAddress() instanceof Inet4Address) {
            name.set(ValueLayout.JAVA_SHORT, 0, AF_INET);
            MemorySegment.copy(address, 0, name, ValueLayout.JAVA_BYTE, 4, 4);
            return 16;
        }
        name.set(ValueLayout.JAVA_SHORT, 0, AF_INET6);
        MemorySegment.copy(address, 0, name, ValueLayout.JAVA_BYTE, 8, 16);
        name.set(ValueLayout.JAVA_INT, 24, ((Inet6Address) target.getAddress()).getScopeId());
        return 28;
    }

    @Override
    public void close() {
        arena.close();
    }
}
