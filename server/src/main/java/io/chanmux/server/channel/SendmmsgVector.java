package io.chanmux.server.channel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * The native memory behind one poll loop's {@code sendmmsg(2)} fan-outs (Linux x86-64 only): a
 * queue of up to {@link #CAPACITY} messages, each with its own {@code iovec} and {@code sockaddr},
 * whose payloads are read in place from {@link RecvmmsgVector} slots. The copies of every datagram
 * one {@code recvmmsg} took from a socket are queued and leave in as few calls as fit, with
 * nothing allocated per datagram; each copy is counted in its own channel's counters once the
 * kernel has taken or refused it ({@link #flush}). Targets' encoded addresses are kept in a table
 * keyed by the identity of the {@link InetSocketAddress} (a peer's binding is one immutable
 * object; {@link #CACHE_SLOTS} slots, probed at most {@link #PROBES} from the home slot, whose
 * entry is replaced when all of those hold others), so an address is encoded, and {@link
 * java.net.InetAddress#getAddress} allocates, only when a binding is first seen or its slot was
 * taken by another. The layouts are {@link NativeSockets}'.
 *
 * <p>Threading: one per poll loop, created, used and closed only by the loop's thread; its
 * {@link SendmmsgCopies} are the loop's ports' and run on the same thread.
 */
public final class SendmmsgVector implements AutoCloseable {
    /** Copies sent per system call; more queued copies take more calls. */
    static final int CAPACITY = 64;
    private static final int CACHE_SLOTS = NativeSockets.ADDRESS_TABLE_SLOTS;
    private static final int PROBES = NativeSockets.ADDRESS_TABLE_PROBES;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment vector;
    /** The message vector from each message on: a call after a refused copy starts past it, allocating nothing. */
    private final MemorySegment[] vectorFrom = new MemorySegment[CAPACITY];
    private final MemorySegment iovecs;
    private final MemorySegment names;
    private final MemorySegment errnoState;
    /** Encoded sockaddrs, NAME_BYTES each, and the address each encodes; a slot is chosen by identity hash. */
    private final MemorySegment cachedNames;
    private final InetSocketAddress[] cachedAddresses = new InetSocketAddress[CACHE_SLOTS];
    private final int[] cachedNameLengths = new int[CACHE_SLOTS];
    /** Where the datagrams whose copies are queued were received; their payloads are read from its slots. */
    private final RecvmmsgVector payloads;
    /** The queued copies: the socket they leave from, and each one's counters, writer row and length. */
    private int queued;
    private int queuedFd = -1;
    private final RelayCounters[] copyCounters = new RelayCounters[CAPACITY];
    private final int[] copyWriters = new int[CAPACITY];
    private final int[] copyLengths = new int[CAPACITY];
    /** Sends asked for (a failed one is two sendmmsg system calls, NativeSockets#sendmmsg); read by tests. Loop thread only. */
    long calls;
    /** Addresses encoded into the cache; read by tests. Loop thread only. */
    long encodes;

    private SendmmsgVector(RecvmmsgVector payloads) {
        this.payloads = payloads;
        try {
            this.iovecs = arena.allocate((long) NativeSockets.IOVEC_BYTES * CAPACITY, 8);
            this.names = arena.allocate((long) NativeSockets.NAME_BYTES * CAPACITY, 8);
            this.vector = NativeSockets.messages(arena, CAPACITY, names, iovecs);
            for (int i = 0; i < CAPACITY; i++) {
                vectorFrom[i] = vector.asSlice((long) i * NativeSockets.MMSGHDR_BYTES);
            }
            this.cachedNames = arena.allocate((long) NativeSockets.NAME_BYTES * CACHE_SLOTS, 8);
            this.errnoState = NativeSockets.errnoState(arena);
        } catch (RuntimeException | Error e) {
            arena.close(); // native memory already taken
            throw e;
        }
    }

    /**
     * A vector whose copies carry datagrams held in {@code payloads}' slots, or null when {@code
     * payloads} is null (no batched calls on this platform). The loop thread closes it before
     * {@code payloads}.
     */
    public static SendmmsgVector sendingFrom(RecvmmsgVector payloads) {
        return payloads == null ? null : new SendmmsgVector(payloads);
    }

    /** Where the datagrams whose copies this vector sends are received. */
    RecvmmsgVector payloads() {
        return payloads;
    }

    /** The copy sender of the socket with descriptor {@code fd}, registered with this vector's loop, writing counter row {@code writer}. */
    CopySender copiesFor(int fd, int writer) {
        return new SendmmsgCopies(this, fd, writer);
    }

    /**
     * Queues one copy of the {@code length} bytes at native address {@code payload} to {@code
     * target}, from {@code fd}, counted in {@code counters}' row {@code writer}; a full queue, or
     * one holding another socket's copies, is {@link #flush}ed first.
     */
    void queue(int fd, long payload, int length, InetSocketAddress target, RelayCounters counters, int writer) {
        if (queued == CAPACITY || (queued > 0 && fd != queuedFd)) {
            flush();
        }
        int index = queued;
        queuedFd = fd;
        long iovec = (long) index * NativeSockets.IOVEC_BYTES;
        iovecs.set(ValueLayout.JAVA_LONG, iovec, payload);
        iovecs.set(ValueLayout.JAVA_LONG, iovec + 8, length);
        target(index, target);
        copyCounters[index] = counters;
        copyWriters[index] = writer;
        copyLengths[index] = length;
        // Only a whole entry joins the queue: a failure above leaves nothing half-written to send.
        queued = index + 1;
    }

    /** Writes {@code target}'s sockaddr into message {@code index}. */
    private void target(int index, InetSocketAddress target) {
        int slot = cachedSlot(target);
        MemorySegment.copy(cachedNames, (long) slot * NativeSockets.NAME_BYTES, names,
                (long) index * NativeSockets.NAME_BYTES, NativeSockets.NAME_BYTES);
        vector.set(ValueLayout.JAVA_INT, (long) index * NativeSockets.MMSGHDR_BYTES + NativeSockets.NAME_LENGTH,
                cachedNameLengths[slot]);
    }

    /**
     * Sends the queued copies: one {@code sendmmsg} while it succeeds. A copy the kernel refuses is
     * skipped; a full send buffer ({@code EAGAIN}) drops the rest, never retried in a spin. Each
     * copy is counted as {@code FORWARDED} (and its bytes) or {@code SEND_ERRORS}.
     */
    void flush() {
        int count = queued;
        if (count == 0) {
            return;
        }
        queued = 0;
        int next = 0;
        while (next < count) {
            int result = sendmmsg(next, count - next);
            if (result > 0) {
                countSent(next, next + result);
                next += result;
            } else if (NativeSockets.errno(errnoState) == NativeSockets.EAGAIN) {
                countFailed(next, count);
                next = count;
            } else {
                countFailed(next, next + 1);
                next++;
            }
        }
        Arrays.fill(copyCounters, 0, count, null);
    }

    private void countSent(int from, int to) {
        for (int i = from; i < to; i++) {
            copyCounters[i].increment(copyWriters[i], RelayCounter.FORWARDED);
            copyCounters[i].add(copyWriters[i], RelayCounter.BYTES_FORWARDED, copyLengths[i]);
        }
    }

    private void countFailed(int from, int to) {
        for (int i = from; i < to; i++) {
            copyCounters[i].increment(copyWriters[i], RelayCounter.SEND_ERRORS);
        }
    }

    private int sendmmsg(int from, int count) {
        calls++;
        return NativeSockets.sendmmsg(errnoState, queuedFd, vectorFrom[from], count);
    }

    /** The cache slot holding {@code target}'s encoded sockaddr, encoding it there if none does. */
    private int cachedSlot(InetSocketAddress target) {
        int home = System.identityHashCode(target) & (CACHE_SLOTS - 1);
        int free = -1;
        for (int probe = 0; probe < PROBES; probe++) {
            int slot = (home + probe) & (CACHE_SLOTS - 1);
            InetSocketAddress cached = cachedAddresses[slot];
            if (cached == target) {
                return slot;
            }
            if (cached == null && free < 0) {
                free = slot;
            }
        }
        int slot = free < 0 ? home : free;
        encodes++;
        cachedAddresses[slot] = null; // an encoding that fails half-way must not pass for the old entry
        cachedNameLengths[slot] = encode(target, (long) slot * NativeSockets.NAME_BYTES);
        cachedAddresses[slot] = target;
        return slot;
    }

    /** Writes {@code target} as a sockaddr at {@code name} in the cache; returns its length. */
    private int encode(InetSocketAddress target, long name) {
        cachedNames.asSlice(name, NativeSockets.NAME_BYTES).fill((byte) 0);
        cachedNames.set(NativeSockets.PORT, name + 2, (short) target.getPort());
        byte[] address = target.getAddress().getAddress();
        if (target.getAddress() instanceof Inet4Address) {
            cachedNames.set(ValueLayout.JAVA_SHORT, name, NativeSockets.AF_INET);
            MemorySegment.copy(address, 0, cachedNames, ValueLayout.JAVA_BYTE, name + 4, 4);
            return 16;
        }
        cachedNames.set(ValueLayout.JAVA_SHORT, name, NativeSockets.AF_INET6);
        MemorySegment.copy(address, 0, cachedNames, ValueLayout.JAVA_BYTE, name + 8, 16);
        cachedNames.set(ValueLayout.JAVA_INT, name + 24, ((Inet6Address) target.getAddress()).getScopeId());
        return 28;
    }

    @Override
    public void close() {
        arena.close();
    }
}
