package io.chanmux.server.channel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The native memory behind one poll loop's {@code recvmmsg(2)}: {@link #CAPACITY} datagram slots,
 * each with its own {@code iovec} over its own bytes and its own {@code sockaddr}, so one system
 * call takes up to that many datagrams from a socket, and {@link SendmmsgVector} sends their
 * copies straight from the slots.
 *
 * <p>Sources: a datagram's source address is handed out as an {@link InetSocketAddress} taken
 * from a table keyed by the raw {@code sockaddr} ({@link #SOURCE_SLOTS} slots, probed at most
 * {@link #PROBES} from the key's home slot; when all of those hold other sources, the home slot
 * is taken over), so a peer that keeps sending from one address costs no allocation; a source
 * seen for the first time, or whose slot another took, is decoded anew (garbage, never growth). IPv4
 * addresses that reach an IPv6 socket mapped ({@code ::ffff:a.b.c.d}) come out as IPv4 addresses,
 * as the JDK's own receive gives them.
 *
 * <p>Threading: one per poll loop, created, used and closed only by the loop's thread.
 */
public final class RecvmmsgVector implements AutoCloseable {
    /** Datagrams taken per system call. */
    public static final int CAPACITY = 32;
    private static final int SOURCE_SLOTS = NativeSockets.ADDRESS_TABLE_SLOTS;
    private static final int PROBES = NativeSockets.ADDRESS_TABLE_PROBES;
    /** Keeps the top bits of a 64-bit hash that index the table. */
    private static final int SLOT_SHIFT = Long.SIZE - Integer.numberOfTrailingZeros(SOURCE_SLOTS);

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment vector;
    private final MemorySegment names;
    private final MemorySegment errnoState;
    /** Each slot's bytes, and the native address they start at. */
    private final ByteBuffer[] slots = new ByteBuffer[CAPACITY];
    private final long[] slotAddresses = new long[CAPACITY];
    /** The source table: the raw sockaddr each slot holds, in three longs and an int, and its address. */
    private final long[] sourceHead = new long[SOURCE_SLOTS];
    private final long[] sourceHigh = new long[SOURCE_SLOTS];
    private final long[] sourceLow = new long[SOURCE_SLOTS];
    private final int[] sourceScope = new int[SOURCE_SLOTS];
    private final InetSocketAddress[] sourceAddresses = new InetSocketAddress[SOURCE_SLOTS];
    /** Receives asked for (a failed one is two recvmmsg system calls, NativeSockets#recvmmsg); read by tests. Loop thread only. */
    long calls;
    /** The slot {@link #datagram} last handed out. */
    private int handedOut;
    /** How many messages the last call filled, whose name lengths the kernel has overwritten. */
    private int filled = CAPACITY;
    /**
     * The table's hash: this seed is XORed in ahead of the key's first word, and a nonlinear step
     * follows every word (one word for an IPv4 source, four for an IPv6 one), so that a sender
     * cannot pick addresses whose entries land on another's slots.
     */
    private final long seed = ThreadLocalRandom.current().nextLong();

    private RecvmmsgVector(int slotBytes) {
        try {
            names = arena.allocate((long) NativeSockets.NAME_BYTES * CAPACITY, 8);
            MemorySegment iovecs = arena.allocate((long) NativeSockets.IOVEC_BYTES * CAPACITY, 8);
            vector = NativeSockets.messages(arena, CAPACITY, names, iovecs);
            MemorySegment bytes = arena.allocate((long) slotBytes * CAPACITY, 8);
            errnoState = NativeSockets.errnoState(arena);
            for (int i = 0; i < CAPACITY; i++) {
                MemorySegment slot = bytes.asSlice((long) i * slotBytes, slotBytes);
                slots[i] = slot.asByteBuffer();
                slotAddresses[i] = slot.address();
                long iovec = (long) i * NativeSockets.IOVEC_BYTES;
                iovecs.set(ValueLayout.JAVA_LONG, iovec, slot.address());
                iovecs.set(ValueLayout.JAVA_LONG, iovec + 8, slotBytes);
            }
        } catch (RuntimeException | Error e) {
            arena.close(); // native memory already taken
            throw e;
        }
    }

    /**
     * A vector whose slots hold {@code maxDatagramBytes + 1} bytes each (so an oversize datagram
     * shows as such instead of being cut to size), or null where {@link NativeSockets} are not available.
     */
    public static RecvmmsgVector openIfAvailable(int maxDatagramBytes) {
        return NativeSockets.AVAILABLE ? new RecvmmsgVector(maxDatagramBytes + 1) : null;
    }

    /**
     * Takes the datagrams waiting on {@code fd}, up to {@link #CAPACITY}, without blocking.
     *
     * @return how many were taken into slots {@code [0, n)}: 0 when none was waiting, -1 when the
     *         call met an error a sound socket may meet (nothing was taken)
     * @throws IllegalStateException on any other error (a closed or foreign descriptor): reading
     *         again would fail the same way at every turn
     */
    int receive(int fd) {
        resetNameLengths();
        calls++;
        int received = NativeSockets.recvmmsg(errnoState, fd, vector, CAPACITY);
        if (received >= 0) {
            filled = received;
            return received;
        }
        filled = CAPACITY; // a failed call says nothing of what it wrote: give every message its room back
        int errno = NativeSockets.errno(errnoState);
        if (errno == NativeSockets.EAGAIN) {
            return 0;
        }
        if (NativeSockets.transientReceiveError(errno)) {
            return -1;
        }
        throw new IllegalStateException("recvmmsg on descriptor " + fd + " failed with errno " + errno);
    }

    /**
     * The kernel writes the name length of each message it fills over the room it was given: the
     * messages the last call filled get their room back (the others still have it).
     */
    private void resetNameLengths() {
        for (int i = 0; i < filled; i++) {
            vector.set(ValueLayout.JAVA_INT, (long) i * NativeSockets.MMSGHDR_BYTES + NativeSockets.NAME_LENGTH,
                    NativeSockets.NAME_BYTES);
        }
        filled = 0;
    }

    /** Slot {@code i}'s bytes, whole: position 0, limit its capacity. It becomes the slot {@link #address} knows. */
    ByteBuffer datagram(int i) {
        handedOut = i;
        return slots[i].clear();
    }

    /** The length of the datagram in slot {@code i}. */
    int length(int i) {
        return vector.get(ValueLayout.JAVA_INT, (long) i * NativeSockets.MMSGHDR_BYTES + NativeSockets.MESSAGE_LENGTH);
    }

    /**
     * The native address of {@code datagram}'s bytes, the slot {@link #datagram} last handed out
     * (the datagram being handled): a send may then read them in place.
     *
     * @throws IllegalArgumentException for any other buffer: the kernel would read memory not ours
     */
    long address(ByteBuffer datagram) {
        if (slots[handedOut] != datagram) {
            throw new IllegalArgumentException("a datagram other than the receive vector's slot being handled");
        }
        return slotAddresses[handedOut];
    }

    /** The source of the datagram in slot {@code i}. */
    InetSocketAddress source(int i) {
        long name = (long) i * NativeSockets.NAME_BYTES;
        short family = names.get(ValueLayout.JAVA_SHORT, name);
        long head;
        long high;
        long low;
        int scope;
        int home;
        if (family == NativeSockets.AF_INET) {
            head = names.get(ValueLayout.JAVA_LONG, name); // family, port and address: the whole key
            high = 0;
            low = 0;
            scope = 0;
            home = slotOf(mix(seed ^ head));
        } else {
            head = names.get(ValueLayout.JAVA_INT, name) & 0xffff_ffffL; // family and port; not the flow label
            high = names.get(ValueLayout.JAVA_LONG, name + 8);
            low = names.get(ValueLayout.JAVA_LONG, name + 16);
            scope = names.get(ValueLayout.JAVA_INT, name + 24);
            home = ipv6Slot(head, high, low, scope);
        }
        int free = -1;
        for (int probe = 0; probe < PROBES; probe++) {
            int slot = (home + probe) & (SOURCE_SLOTS - 1);
            InetSocketAddress known = sourceAddresses[slot];
            if (known == null) {
                free = free < 0 ? slot : free;
            } else if (sourceHead[slot] == head && sourceHigh[slot] == high && sourceLow[slot] == low
                    && sourceScope[slot] == scope) {
                return known;
            }
        }
        int slot = free < 0 ? home : free;
        InetSocketAddress decoded = decode(name, family);
        sourceHead[slot] = head;
        sourceHigh[slot] = high;
        sourceLow[slot] = low;
        sourceScope[slot] = scope;
        sourceAddresses[slot] = decoded;
        return decoded;
    }

    /** An IPv6 source's home slot: its key is four words (an IPv4 source's is {@code head} alone). */
    private int ipv6Slot(long head, long high, long low, int scope) {
        long mixed = mix(seed ^ head);
        mixed = mix(mixed ^ high);
        mixed = mix(mixed ^ low);
        return slotOf(mix(mixed ^ scope));
    }

    private static int slotOf(long mixed) {
        return (int) (mixed >>> SLOT_SHIFT);
    }

    /** One nonlinear step (a 64-bit finalizer's): every output bit depends on every input bit. */
    private static long mix(long value) {
        long mixed = (value ^ (value >>> 30)) * 0xBF58476D1CE4E5B9L;
        mixed = (mixed ^ (mixed >>> 27)) * 0x94D049BB133111EBL;
        return mixed ^ (mixed >>> 31);
    }

    /** A {@code sockaddr_in} or {@code sockaddr_in6} as the JDK's own receive would give it. */
    private InetSocketAddress decode(long name, short family) {
        int port = Short.toUnsignedInt(names.get(NativeSockets.PORT, name + 2));
        try {
            if (family == NativeSockets.AF_INET) {
                byte[] address = new byte[4];
                MemorySegment.copy(names, ValueLayout.JAVA_BYTE, name + 4, address, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(address), port);
            }
            byte[] address = new byte[16];
            MemorySegment.copy(names, ValueLayout.JAVA_BYTE, name + 8, address, 0, 16);
            int scope = names.get(ValueLayout.JAVA_INT, name + 24);
            // getByAddress turns a mapped IPv4 address into an Inet4Address, as the JDK's receive does.
            InetAddress inet = scope == 0 ? InetAddress.getByAddress(address)
                    : Inet6Address.getByAddress(null, address, scope);
            return new InetSocketAddress(inet, port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a " + family + " sockaddr the kernel wrote could not be read", e);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
