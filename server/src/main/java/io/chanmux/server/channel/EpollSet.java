package io.chanmux.server.channel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;

/**
 * A poll loop's own level-triggered {@code epoll(7)} set, through {@code java.lang.foreign}
 * (Linux x86-64, where {@link NativeSockets} are available): the loop waits here instead of in a
 * JDK {@link java.nio.channels.Selector}, whose every select takes a lock, walks its update and
 * deregistration queues and looks each ready descriptor up in a map. Each socket is added once
 * with a token of the loop's choosing, which {@link #await} hands back for each ready one; an
 * {@code eventfd(2)} in the set, whose token is {@link #WAKE_TOKEN}, lets other threads end a
 * wait ({@link #wakeUp}).
 *
 * <p>The set does not own the sockets: a socket's descriptor must stay open, and stay the same
 * file, while the loop {@link #remove}s it or acts on its token. The poll loop keeps each socket
 * registered with its selector too, with no interest, so that closing it leaves it open in the
 * kernel until the loop deregisters it; then the kernel closes it, which takes it out of the set.
 *
 * <p>Threading: {@link #add}, {@link #remove}, {@link #await}, {@link #token} and {@link #close}
 * are the loop thread's (or, for a loop that never ran, its creator's); {@link #wakeUp} may be
 * called by any thread at any time, and after {@link #close} does nothing. The memory the kernel
 * reads and writes is the garbage collector's to free ({@link Arena#ofAuto}), so that handing it
 * to a call costs no atomic operation, as a shared arena's would.
 *
 * <p>Layout (x86-64): {@code struct epoll_event} is packed, {events@0 (4 bytes), data@4 (8)}, 12 bytes.
 */
public final class EpollSet implements AutoCloseable {
    /** The token {@link #await} hands back when {@link #wakeUp} was called. */
    public static final int WAKE_TOKEN = -1;
    private static final int EVENT_BYTES = 12;
    private static final long EVENT_DATA = 4;
    private static final int EPOLLIN = 0x1;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int CLOEXEC = 0x80000;
    private static final int EFD_NONBLOCK = 0x800;
    private static final int EINTR = 4;
    private static final int ENOENT = 2;

    /**
     * int epoll_create1(int), int epoll_ctl(int, int, int, struct epoll_event *) (capturing its
     * {@code errno}: it is called only as sockets come and go), int epoll_wait(int, struct
     * epoll_event *, int, int) plain and capturing.
     */
    private static final MethodHandle EPOLL_CREATE1;
    private static final MethodHandle EPOLL_CTL_ERRNO;
    private static final MethodHandle EPOLL_WAIT;
    private static final MethodHandle EPOLL_WAIT_ERRNO;
    /**
     * int eventfd(unsigned, int), ssize_t read(int, void *, size_t), and write(int, const void *,
     * size_t) and close(int) with their results dropped.
     */
    private static final MethodHandle EVENTFD;
    private static final MethodHandle READ;
    private static final MethodHandle WRITE;
    private static final MethodHandle CLOSE;
    private static final boolean AVAILABLE;

    static {
        MethodHandle create = null;
        MethodHandle ctlErrno = null;
        MethodHandle wait = null;
        MethodHandle waitErrno = null;
        MethodHandle eventfd = null;
        MethodHandle read = null;
        MethodHandle write = null;
        MethodHandle close = null;
        // Linked only where the sockets' descriptors are reachable (NativeSockets), as the set needs them.
        if (NativeSockets.AVAILABLE) {
            try {
                Linker.Option capture = Linker.Option.captureCallState("errno");
                FunctionDescriptor waitCall = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
                FunctionDescriptor io = FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
                FunctionDescriptor intToInt = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
                create = NativeSockets.downcall("epoll_create1", intToInt);
                FunctionDescriptor ctlCall = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS);
                ctlErrno = NativeSockets.downcall("epoll_ctl", ctlCall, capture);
                wait = NativeSockets.downcall("epoll_wait", waitCall);
                waitErrno = NativeSockets.downcall("epoll_wait", waitCall, capture);
                eventfd = NativeSockets.downcall("eventfd",
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                read = NativeSockets.downcall("read", io);
                MethodHandle writeCall = NativeSockets.downcall("write", io);
                MethodType writeDropped = MethodType.methodType(void.class, int.class, MemorySegment.class, long.class);
                write = writeCall == null ? null : writeCall.asType(writeDropped);
                MethodHandle closeCall = NativeSockets.downcall("close", intToInt);
                // Its result is of no use: a descriptor that would not close is left as it is.
                close = closeCall == null ? null : closeCall.asType(MethodType.methodType(void.class, int.class));
            } catch (RuntimeException | LinkageError e) {
                // not linkable here: poll loops wait in the JDK's selector
                create = null;
            }
        }
        EPOLL_CREATE1 = create;
        EPOLL_CTL_ERRNO = ctlErrno;
        EPOLL_WAIT = wait;
        EPOLL_WAIT_ERRNO = waitErrno;
        EVENTFD = eventfd;
        READ = read;
        WRITE = write;
        CLOSE = close;
        AVAILABLE = create != null && ctlErrno != null && wait != null && waitErrno != null
                && eventfd != null && read != null && write != null && close != null;
    }

    private final MemorySegment events;
    /** The one event {@link #add} hands the kernel. */
    private final MemorySegment added;
    private final int capacity;
    private final MemorySegment counter;
    private final MemorySegment one;
    private final MemorySegment errnoState;
    private final int epfd;
    private final int wakeFd;
    /** Guarded by {@code this}: no wake-up writes to a descriptor number closed, and perhaps reused. */
    private boolean closed;

    private EpollSet(int capacity) {
        this.capacity = capacity;
        int epoll = -1;
        int wake = -1;
        Arena memory = Arena.ofAuto();
        events = memory.allocate((long) EVENT_BYTES * capacity, 8);
        added = memory.allocate(EVENT_BYTES, 8);
        counter = memory.allocate(ValueLayout.JAVA_LONG);
        one = memory.allocate(ValueLayout.JAVA_LONG);
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        errnoState = NativeSockets.errnoState(memory);
        try {
            epoll = (int) EPOLL_CREATE1.invokeExact(CLOEXEC);
            if (epoll < 0) {
                throw new IllegalStateException("epoll_create1 failed");
            }
            wake = (int) EVENTFD.invokeExact(0, EFD_NONBLOCK | CLOEXEC);
            if (wake < 0) {
                throw new IllegalStateException("eventfd failed");
            }
            epfd = epoll;
            wakeFd = wake;
            add(wakeFd, WAKE_TOKEN);
        } catch (Throwable e) {
            closeDescriptor(wake);
            closeDescriptor(epoll);
            switch (e) {
                case Error error -> throw error;
                case IllegalStateException refused -> throw refused;
                default -> throw new IllegalStateException("cannot open an epoll set: " + e.getMessage(), e);
            }
        }
    }

    /** Whether poll loops can have a set here; where not, they wait in the JDK's selector. */
    public static boolean available() {
        return AVAILABLE;
    }

    /**
     * A set handing back up to {@code capacity} ready sockets per {@link #await}, or null where
     * this platform has none (then the poll loop waits in its selector).
     *
     * @throws IllegalStateException when the set cannot be made (out of descriptors or memory)
     */
    public static EpollSet openIfAvailable(int capacity) {
        return AVAILABLE ? new EpollSet(capacity) : null;
    }

    /**
     * Adds a descriptor, for reading, level-triggered: {@link #await} hands {@code token} back
     * whenever it has data waiting.
     *
     * @throws IllegalStateException when the kernel refuses (a descriptor not open, or already in the set)
     */
    public void add(int fd, int token) {
        added.set(ValueLayout.JAVA_INT_UNALIGNED, 0, EPOLLIN);
        added.set(ValueLayout.JAVA_LONG_UNALIGNED, EVENT_DATA, token);
        int errno = control(EPOLL_CTL_ADD, fd, added);
        if (errno != 0) {
            throw new IllegalStateException("epoll_ctl could not add descriptor " + fd + ": errno " + errno);
        }
    }

    /**
     * Takes an open descriptor out of the set; one that is not in it is no error. (A descriptor
     * whose file is closed has left the set already, and its number may be another file's now: the
     * caller must not remove it.)
     *
     * @throws IllegalStateException when the kernel refuses for another reason (a closed descriptor)
     */
    public void remove(int fd) {
        int errno = control(EPOLL_CTL_DEL, fd, MemorySegment.NULL);
        if (errno != 0 && errno != ENOENT) {
            throw new IllegalStateException("epoll_ctl could not remove descriptor " + fd + ": errno " + errno);
        }
    }

    /** epoll_ctl: 0 when it succeeded, else its errno. */
    private int control(int op, int fd, MemorySegment event) {
        try {
            int result = (int) EPOLL_CTL_ERRNO.invokeExact(errnoState, epfd, op, fd, event);
            return result == 0 ? 0 : NativeSockets.errno(errnoState);
        } catch (Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("epoll_ctl failed to run", e);
        }
    }

    /**
     * Waits until a descriptor of the set is ready, at most {@code timeoutMs} (0: not at all, -1:
     * as long as it takes), and resets a pending wake-up.
     *
     * @return how many tokens {@link #token} hands back, {@code [0, n)}; after a signal, whatever a
     *         second look without waiting found
     * @throws IllegalStateException when the wait fails otherwise (the set is broken)
     */
    public int await(int timeoutMs) {
        try {
            int ready = (int) EPOLL_WAIT.invokeExact(epfd, events, capacity, timeoutMs);
            if (ready < 0) {
                // Why? Asked again without waiting, capturing: a signal is no failure, anything else is.
                ready = (int) EPOLL_WAIT_ERRNO.invokeExact(errnoState, epfd, events, capacity, 0);
                if (ready < 0 && NativeSockets.errno(errnoState) != EINTR) {
                    throw new IllegalStateException("epoll_wait failed with errno " + NativeSockets.errno(errnoState));
                }
            }
            for (int i = 0; i < ready; i++) {
                if (token(i) == WAKE_TOKEN) {
                    resetWakeUps();
                }
            }
            return Math.max(ready, 0);
        } catch (IllegalStateException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("epoll_wait failed to run", e);
        }
    }

    /** Reads the eventfd's counter back to 0, so that the wake-ups it counted end one wait only. */
    private void resetWakeUps() throws Throwable {
        if ((long) READ.invokeExact(wakeFd, counter, 8L) != 8L) {
            // Only this thread reads, and the counter was above 0: a read that fails is the eventfd broken.
            throw new IllegalStateException("reading the wake-up eventfd failed");
        }
    }

    /** The token of ready descriptor {@code i} of the last {@link #await}. */
    public int token(int i) {
        return (int) events.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) i * EVENT_BYTES + EVENT_DATA);
    }

    /**
     * Ends the loop thread's current or next {@link #await}. Any thread; nothing once closed. It
     * never fails: the eventfd's counter stays far below its limit (each wait reads it back to 0),
     * so the write neither blocks nor is refused.
     */
    public synchronized void wakeUp() {
        if (closed) {
            return;
        }
        try {
            WRITE.invokeExact(wakeFd, one, 8L);
        } catch (Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("eventfd write failed to run", e);
        }
    }

    /** Closes the set and its eventfd (not the sockets in it). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeDescriptor(wakeFd);
        closeDescriptor(epfd);
    }

    /** The eventfd's descriptor, for tests. */
    int wakeDescriptor() {
        return wakeFd;
    }

    /** Closes {@code fd} if it is one (not -1); a descriptor that will not close is left as it is. */
    private static void closeDescriptor(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            CLOSE.invokeExact(fd);
        } catch (Throwable e) {
            // as a descriptor that would not close
        }
    }
}
