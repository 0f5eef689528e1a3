package io.chanmux.server.channel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * The native memory behind one poll loop's {@code sendmmsg(2)} fan-outs (Linux x86-64 only): a
 * queue of up to {@link #QUEUED_COPIES} copies, whose payloads are read in place from {@link
 * RecvmmsgVector} slots, sent {@link #MESSAGES} messages per call. The copies of every datagram one
 * {@code recvmmsg} took from a socket are queued and leave together, with nothing allocated per
 * datagram; each copy is counted in its own channel's counters once the kernel has taken or refused
 * it ({@link #flush}).
 *
 * <p>Copies to one target are queued together, in the order they came, and where the kernel can
 * segment ({@link NativeSockets#UDP_SEGMENT}, UDP generic segmentation offload) a run of them of
 * one size (the last may be shorter), each at most {@link #MAX_SEGMENT_BYTES}, leaves as one
 * message: one {@code iovec} per copy and a control message giving that size, which the kernel
 * sends, or the receiving host delivers, as the same datagrams one by one. That spares the
 * kernel's per-datagram work of the send path (the socket, route, IP output and, on the same host,
 * input) for all but one datagram of the run. The target receives the same datagrams, each
 * binding's in the order they came. A run the kernel refuses (a path MTU below the size: {@code
 * EINVAL} or {@code EMSGSIZE}; an IPsec route: {@code EIO}) is sent again one copy per message, and
 * the target's entry in the address table remembers it: runs to it are then joined only of smaller
 * copies (none after {@code EIO}), until its binding changes or its entry is replaced.
 *
 * <p>Targets' encoded addresses are kept in a table keyed by the identity of the {@link
 * InetSocketAddress} (a peer's binding is one immutable object; {@link #CACHE_SLOTS} slots, probed
 * at most {@link #PROBES} from the home slot, whose entry is replaced when all of those hold
 * others), so an address is encoded, and {@link java.net.InetAddress#getAddress} allocates, only
 * when a binding is first seen or its slot was taken by another. The layouts are {@link
 * NativeSockets}'.
 *
 * <p>Threading: one per poll loop, created, used and closed only by the loop's thread; its
 * {@link SendmmsgCopies} are the loop's ports' and run on the same thread.
 */
public final class SendmmsgVector implements AutoCloseable {
    /** Messages sent per system call; more take more calls. */
    static final int MESSAGES = 64;
    /** Copies queued before the queue is sent: a full receive vector's datagrams to 32 targets each. */
    static final int QUEUED_COPIES = 32 * RecvmmsgVector.CAPACITY;
    /** Copies joined into one message at most: the kernel's {@code UDP_MAX_SEGMENTS} before Linux 6.10. */
    static final int MAX_SEGMENTS = 64;
    /** The largest copy joined to others: one fits a 1,500-byte MTU whole, over IPv4 and IPv6. */
    static final int MAX_SEGMENT_BYTES = 1452;
    /** A joined message's payload fits one UDP datagram's: 65,535 bytes less the IPv4 and UDP headers. */
    static final int MAX_MESSAGE_BYTES = 65_507;
    private static final int CACHE_SLOTS = NativeSockets.ADDRESS_TABLE_SLOTS;
    private static final int PROBES = NativeSockets.ADDRESS_TABLE_PROBES;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment vector;
    /** The message vector from each message on: a call after a refused message starts past it, allocating nothing. */
    private final MemorySegment[] vectorFrom = new MemorySegment[MESSAGES];
    /** One iovec per copy, in the order the messages being built take them. */
    private final MemorySegment iovecs;
    private final MemorySegment names;
    /** One UDP_SEGMENT control message per message, its header written once. */
    private final MemorySegment controls;
    private final MemorySegment errnoState;
    /**
     * Encoded sockaddrs, NAME_BYTES each, the address each encodes, and the largest copy joined to
     * others for it (MAX_SEGMENT_BYTES until the kernel refuses a run to it); a slot is chosen by identity hash.
     */
    private final MemorySegment cachedNames;
    private final InetSocketAddress[] cachedAddresses = new InetSocketAddress[CACHE_SLOTS];
    private final int[] cachedNameLengths = new int[CACHE_SLOTS];
    private final int[] cachedJoinLimits = new int[CACHE_SLOTS];
    /** Where the datagrams whose copies are queued were received; their payloads are read from its slots. */
    private final RecvmmsgVector payloads;
    /** Whether runs of copies to one target are joined ({@code --udp-gso}, and the kernel can). */
    private final boolean joining;

    /** The queued copies, all from one socket: each one's payload, length, counters, writer row and the next copy to its target. */
    private int queued;
    private int queuedFd = -1;
    private final long[] copyPayloads = new long[QUEUED_COPIES];
    private final int[] copyLengths = new int[QUEUED_COPIES];
    private final RelayCounters[] copyCounters = new RelayCounters[QUEUED_COPIES];
    private final int[] copyWriters = new int[QUEUED_COPIES];
    private final int[] copyNext = new int[QUEUED_COPIES];
    /**
     * The targets of the queued copies, in the order each was first queued: its address, first and
     * last copy, and its {@link #home}: in {@code targetByHome} (the target queued last whose
     * identity hash lands there, or -1; a target that meets another there starts a new run of its
     * own), and where its probe of the address table starts.
     */
    private int targets;
    private final InetSocketAddress[] targetAddresses = new InetSocketAddress[QUEUED_COPIES];
    private final int[] targetFirst = new int[QUEUED_COPIES];
    private final int[] targetLast = new int[QUEUED_COPIES];
    private final int[] targetHome = new int[QUEUED_COPIES];
    /** Each target's slot in the address table, looked up when its messages are built. */
    private final int[] targetSlot = new int[QUEUED_COPIES];
    private final int[] targetByHome = new int[CACHE_SLOTS];
    /**
     * The messages being built: each one's first iovec and how many, and its target; and the copy
     * behind each iovec.
     */
    private final int[] messageFirstIovec = new int[MESSAGES];
    private final int[] messageCopies = new int[MESSAGES];
    private final int[] messageTarget = new int[MESSAGES];
    private final int[] iovecCopy = new int[QUEUED_COPIES];

    /** Sends asked for (a failed one is two sendmmsg system calls, NativeSockets#sendmmsg); read by tests. Loop thread only. */
    long calls;
    /** Addresses encoded into the cache; read by tests. Loop thread only. */
    long encodes;
    /** Messages sent that carried more than one copy; read by tests. Loop thread only. */
    long joinedMessages;
    /** Joined messages the kernel refused, whose copies went one per message; read by tests. Loop thread only. */
    long refusedJoins;

    private SendmmsgVector(RecvmmsgVector payloads, boolean joining) {
        this.payloads = payloads;
        this.joining = joining;
        Arrays.fill(targetByHome, -1);
        try {
            this.iovecs = arena.allocate((long) NativeSockets.IOVEC_BYTES * QUEUED_COPIES, 8);
            this.names = arena.allocate((long) NativeSockets.NAME_BYTES * MESSAGES, 8);
            this.vector = NativeSockets.messages(arena, MESSAGES, names, iovecs);
            for (int i = 0; i < MESSAGES; i++) {
                vectorFrom[i] = vector.asSlice((long) i * NativeSockets.MMSGHDR_BYTES);
            }
            this.controls = NativeSockets.segmentControls(arena, MESSAGES);
            this.cachedNames = arena.allocate((long) NativeSockets.NAME_BYTES * CACHE_SLOTS, 8);
            this.errnoState = NativeSockets.errnoState(arena);
        } catch (RuntimeException | Error e) {
            arena.close(); // native memory already taken
            throw e;
        }
    }

    /**
     * A vector whose copies carry datagrams held in {@code payloads}' slots, joining runs of copies
     * to one target if {@code joinCopies} and this kernel can; or null when {@code payloads} is null
     * (no batched calls on this platform). The loop thread closes it before {@code payloads}.
     */
    public static SendmmsgVector sendingFrom(RecvmmsgVector payloads, boolean joinCopies) {
        return payloads == null ? null : new SendmmsgVector(payloads, joinCopies && Segmentation.AVAILABLE);
    }

    /** Whether this vector joins runs of copies to one target into one message (until the kernel refuses with {@code EIO}). */
    public boolean joinsCopies() {
        return joining;
    }

    /** Probed once, when first asked. */
    private static final class Segmentation {
        static final boolean AVAILABLE = NativeSockets.AVAILABLE && NativeSockets.segmentationWorks();
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
     * target}, from {@code fd}, counted in {@code counters}' row {@code writer}, after the copies
     * queued to the same target; a full queue, or one holding another socket's copies, is {@link
     * #flush}ed first.
     */
    void queue(int fd, long payload, int length, InetSocketAddress target, RelayCounters counters, int writer) {
        if (queued == QUEUED_COPIES || (queued > 0 && fd != queuedFd)) {
            flush();
        }
        int copy = queued;
        queuedFd = fd;
        copyPayloads[copy] = payload;
        copyLengths[copy] = length;
        copyCounters[copy] = counters;
        copyWriters[copy] = writer;
        copyNext[copy] = -1;
        int home = home(target);
        int known = targetByHome[home];
        if (known >= 0 && targetAddresses[known] == target) {
            copyNext[targetLast[known]] = copy;
            targetLast[known] = copy;
        } else {
            int added = targets++;
            targetAddresses[added] = target;
            targetFirst[added] = copy;
            targetLast[added] = copy;
            targetHome[added] = home;
            targetByHome[home] = added;
        }
        queued = copy + 1;
    }

    /**
     * Sends the queued copies, target by target: one {@code sendmmsg} per {@link #MESSAGES}
     * messages while it succeeds. A message the kernel refuses is skipped (a joined one is sent
     * again one copy per message); a full send buffer ({@code EAGAIN}) drops the rest of the
     * call's messages, never retried in a spin. Each copy is counted as {@code FORWARDED} (and its
     * bytes) or {@code SEND_ERRORS}.
     */
    void flush() {
        if (queued == 0) {
            return;
        }
        try {
            int messages = 0;
            int iovec = 0;
            for (int target = 0; target < targets; target++) {
                int copy = targetFirst[target];
                // Looked up once: the messages to this target are built before any other lookup.
                int slot = cachedSlot(targetAddresses[target], targetHome[target]);
                targetSlot[target] = slot;
                while (copy >= 0) {
                    if (messages == MESSAGES) {
                        send(messages);
                        messages = 0;
                        iovec = 0;
                    }
                    int joinLimit = joining ? cachedJoinLimits[slot] : 0; // lowered by a refusal in that send
                    int first = iovec;
                    int segment = copyLengths[copy];
                    int bytes = 0;
                    int length;
                    do {
                        length = copyLengths[copy];
                        long at = (long) iovec * NativeSockets.IOVEC_BYTES;
                        iovecs.set(ValueLayout.JAVA_LONG, at, copyPayloads[copy]);
                        iovecs.set(ValueLayout.JAVA_LONG, at + 8, length);
                        iovecCopy[iovec++] = copy;
                        bytes += length;
                        copy = copyNext[copy];
                    } while (copy >= 0 && length == segment
                            && joins(copyLengths[copy], segment, joinLimit, iovec - first, bytes));
                    message(messages++, target, slot, first, iovec - first, segment);
                }
            }
            send(messages);
        } finally {
            for (int target = 0; target < targets; target++) {
                targetByHome[targetHome[target]] = -1;
                targetAddresses[target] = null;
            }
            Arrays.fill(copyCounters, 0, queued, null);
            targets = 0;
            queued = 0;
        }
    }

    /**
     * Whether a copy of {@code length} bytes joins a run of {@code copies} copies, {@code bytes} in
     * all, cut at {@code segment} bytes, to a target whose copies are joined up to {@code joinLimit}
     * bytes: only copies of the run's size follow one another, and one shorter (not empty) ends the
     * run, as the kernel cuts the payload into datagrams of that size and a shorter last.
     */
    private static boolean joins(int length, int segment, int joinLimit, int copies, int bytes) {
        return segment <= joinLimit && length > 0 && length <= segment && copies < MAX_SEGMENTS
                && bytes + length <= MAX_MESSAGE_BYTES;
    }

    /**
     * Writes message {@code index}: to queued target {@code target}, whose address is in table slot
     * {@code slot}, the {@code copies} iovecs from {@code firstIovec}, cut at {@code segment} bytes
     * if more than one.
     */
    private void message(int index, int target, int slot, int firstIovec, int copies, int segment) {
        long at = (long) index * NativeSockets.MMSGHDR_BYTES;
        MemorySegment.copy(cachedNames, (long) slot * NativeSockets.NAME_BYTES, names,
                (long) index * NativeSockets.NAME_BYTES, NativeSockets.NAME_BYTES);
        vector.set(ValueLayout.JAVA_INT, at + NativeSockets.NAME_LENGTH, cachedNameLengths[slot]);
        vector.set(ValueLayout.JAVA_LONG, at + NativeSockets.IOV,
                iovecs.address() + (long) firstIovec * NativeSockets.IOVEC_BYTES);
        vector.set(ValueLayout.JAVA_LONG, at + NativeSockets.IOV_COUNT, copies);
        if (copies > 1) {
            long control = (long) index * NativeSockets.SEGMENT_CMSG_SPACE;
            controls.set(ValueLayout.JAVA_SHORT, control + NativeSockets.CMSG_DATA, (short) segment);
            vector.set(ValueLayout.JAVA_LONG, at + NativeSockets.CONTROL, controls.address() + control);
            vector.set(ValueLayout.JAVA_LONG, at + NativeSockets.CONTROL_LENGTH, NativeSockets.SEGMENT_CMSG_SPACE);
        } else {
            vector.set(ValueLayout.JAVA_LONG, at + NativeSockets.CONTROL, 0L);
            vector.set(ValueLayout.JAVA_LONG, at + NativeSockets.CONTROL_LENGTH, 0L);
        }
        messageFirstIovec[index] = firstIovec;
        messageCopies[index] = copies;
        messageTarget[index] = target;
    }

    /** Sends the {@code count} messages built. */
    private void send(int count) {
        int next = 0;
        while (next < count) {
            int result = sendmmsg(next, count - next);
            if (result > 0) {
                for (int message = next; message < next + result; message++) {
                    if (messageCopies[message] > 1) {
                        joinedMessages++;
                    }
                    countMessage(message, RelayCounter.FORWARDED);
                }
                next += result;
                continue;
            }
            int errno = NativeSockets.errno(errnoState);
            if (errno == NativeSockets.EAGAIN) {
                for (int message = next; message < count; message++) {
                    countMessage(message, RelayCounter.SEND_ERRORS);
                }
                next = count;
            } else if (messageCopies[next] > 1) {
                sendOneCopyPerMessage(next, errno);
                next++;
            } else {
                countMessage(next, RelayCounter.SEND_ERRORS);
                next++;
            }
        }
    }

    /**
     * Sends the copies of joined message {@code index}, which the kernel refused with {@code
     * errno}, one per message, and lowers its target's join limit, unless a later target of the
     * flush has taken its table entry meanwhile: below the refused size when the path MTU is too
     * small for it ({@code EINVAL}, or {@code EMSGSIZE} in newer kernels); to nothing after any
     * other refusal (an IPsec route: {@code EIO}) that the copies one by one do not meet too, as
     * one they all meet (an unreachable network) says nothing about joining.
     */
    private void sendOneCopyPerMessage(int index, int errno) {
        refusedJoins++;
        long at = (long) index * NativeSockets.MMSGHDR_BYTES;
        vector.set(ValueLayout.JAVA_LONG, at + NativeSockets.CONTROL, 0L);
        vector.set(ValueLayout.JAVA_LONG, at + NativeSockets.CONTROL_LENGTH, 0L);
        vector.set(ValueLayout.JAVA_LONG, at + NativeSockets.IOV_COUNT, 1L);
        boolean anySent = false;
        for (int iovec = messageFirstIovec[index], end = iovec + messageCopies[index]; iovec < end; iovec++) {
            vector.set(ValueLayout.JAVA_LONG, at + NativeSockets.IOV,
                    iovecs.address() + (long) iovec * NativeSockets.IOVEC_BYTES);
            boolean sent = sendmmsg(index, 1) == 1;
            anySent |= sent;
            count(iovecCopy[iovec], sent ? RelayCounter.FORWARDED : RelayCounter.SEND_ERRORS);
        }
        int target = messageTarget[index];
        int slot = targetSlot[target];
        if (cachedAddresses[slot] != targetAddresses[target]) {
            return;
        }
        if (errno == NativeSockets.EINVAL || errno == NativeSockets.EMSGSIZE) {
            int segment = copyLengths[iovecCopy[messageFirstIovec[index]]]; // a run's first copy is of its size
            cachedJoinLimits[slot] = Math.min(cachedJoinLimits[slot], segment - 1);
        } else if (anySent) {
            cachedJoinLimits[slot] = 0;
        }
    }

    /** Counts every copy of message {@code index} under {@code outcome}. */
    private void countMessage(int index, RelayCounter outcome) {
        for (int iovec = messageFirstIovec[index], end = iovec + messageCopies[index]; iovec < end; iovec++) {
            count(iovecCopy[iovec], outcome);
        }
    }

    /** Counts {@code copy} as {@code FORWARDED}, with its bytes, or as {@code SEND_ERRORS}. */
    private void count(int copy, RelayCounter outcome) {
        copyCounters[copy].increment(copyWriters[copy], outcome);
        if (outcome == RelayCounter.FORWARDED) {
            copyCounters[copy].add(copyWriters[copy], RelayCounter.BYTES_FORWARDED, copyLengths[copy]);
        }
    }

    private int sendmmsg(int from, int count) {
        calls++;
        return NativeSockets.sendmmsg(errnoState, queuedFd, vectorFrom[from], count);
    }

    /**
     * The cache slot holding {@code target}'s encoded sockaddr, encoding it there if none does;
     * {@code home} is its {@link #home}.
     */
    private int cachedSlot(InetSocketAddress target, int home) {
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
        cachedNameLengths[slot] = NativeSockets.writeName(cachedNames, (long) slot * NativeSockets.NAME_BYTES, target);
        cachedJoinLimits[slot] = MAX_SEGMENT_BYTES;
        cachedAddresses[slot] = target;
        return slot;
    }

    /** {@code target}'s home slot in the address table and in {@code targetByHome}. */
    private static int home(InetSocketAddress target) {
        return System.identityHashCode(target) & (CACHE_SLOTS - 1);
    }

    @Override
    public void close() {
        arena.close();
    }
}
