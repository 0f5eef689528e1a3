package io.chanmux.server.channel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

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
 * file, while it is in the set. The poll loop keeps each socket registered with its selector too,
 * with no interest, so that closing it leaves it open in the kernel until the loop deregisters
 * it, after {@link #remove removing} it here.
 *
 * <p>Threading: {@link #add}, {@link #remove}, {@link #await} and {@link #token} are the loop
 * thread's; {@link #wakeUp} may be called by any thread at any time, {@link #close} included, and
 * after it does nothing.
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

    /** int epoll_create1(int), int epoll_ctl(int, int, int, struct epoll_event *), int epoll_wait(int, struct epoll_event *, int, int). */
    private static final MethodHandle EPOLL_CREATE1;
    private static final MethodHandle EPOLL_CTL;
    private static final MethodHandle EPOLL_CTL_ERRNO;
    private static final MethodHandle EPOLL_WAIT;
    private static final MethodHandle EPOLL_WAIT_ERRNO;
    /** int eventfd(unsigned, int), ssize_t read(int, void *, size_t), ssize_t write(int, const void *, size_t), int close(int). */
    private static final MethodHandle EVENTFD;
    private static final MethodHandle READ;
    private static final MethodHandle WRITE;
    private static final MethodHandle CLOSE;
    private static final boolean AVAILABLE;

    static {
        MethodHandle create = null;
        MethodHandle ctl = null;
        MethodHandle ctlErrno = null;
        MethodHandle wait = null;
        MethodHandle waitErrno = null;
        MethodHandle eventfd = null;
        MethodHandle read = null;
        MethodHandle write = null;
        MethodHandle close = null;
        if (NativeSockets.AVAILABLE) {
            Linker.Option capture = Linker.Option.captureCallState("errno");
            FunctionDescriptor ctlCall = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS);
            FunctionDescriptor waitCall = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
            FunctionDescriptor io = FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
            create = NativeSockets.downcall("epoll_create1", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            ctl = NativeSockets.downcall("epoll_ctl", ctlCall);
            ctlErrno = NativeSockets.downcall("epoll_ctl", ctlCall, capture);
            wait = NativeSockets.downcall("epoll_wait", waitCall);
            waitErrno = NativeSockets.downcall("epoll_wait", waitCall, capture);
            eventfd = NativeSockets.downcall("eventfd",
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            read = NativeSockets.downcall("read", io);
            write = NativeSockets.downcall("write", io);
            close = NativeSockets.downcall("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        }
        EPOLL_CREATE1 = create;
        EPOLL_CTL = ctl;
        EPOLL_CTL_ERRNO = ctlErrno;
        EPOLL_WAIT = wait;
        EPOLL_WAIT_ERRNO = waitErrno;
        EVENTFD = eventfd;
        READ = read;
        WRITE = write;
        CLOSE = close;
        AVAILABLE = create != null && ctl != null && ctlErrno != null && wait != null && waitErrno != null
                && eventfd != null && read != null && write != null && close != null;
    }

    /** The events, the wake-up counter's 8 bytes and an errno: shared, as {@link #wakeUp} writes from any thread. */
    private final Arena arena = Arena.ofShared();
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
        try {
            events = arena.allocate((long) EVENT_BYTES * capacity, 8);
            added = arena.allocate(EVENT_BYTES, 8);
            counter = arena.allocate(ValueLayout.JAVA_LONG);
            one = arena.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1L);
            errnoState = NativeSockets.errnoState(arena);
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
            arena.close();
            throw e instanceof IllegalStateException ise ? ise
                    : new IllegalStateException("cannot open an epoll set: " + e.getMessage(), e);
        }
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
     * Takes a descriptor out of the set; one that is not in it (the kernel drops a descriptor from
     * the set once its file is closed) is no error.
     *
     * @throws IllegalStateException when the kernel refuses for another reason
     */
    public void remove(int fd) {
        int errno = control(EPOLL_CTL_DEL, fd, MemorySegment.NULL);
        if (errno != 0 && errno != ENOENT) {
            throw new IllegalStateException("epoll_ctl could not remove descriptor " + fd + ": errno " + errno);
        }
    }

    /** epoll_ctl, plain, and once more capturing its errno only when it failed; 0 when it succeeded. */
    private int control(int op, int fd, MemorySegment event) {
        try {
            if ((int) EPOLL_CTL.invokeExact(epfd, op, fd, event) == 0) {
                return 0;
            }
            int again = (int) EPOLL_CTL_ERRNO.invokeExact(errnoState, epfd, op, fd, event);
            return again == 0 ? 0 : NativeSockets.errno(errnoState);
        } catch (Throwable e) {
            throw new IllegalStateException("epoll_ctl failed to run", e);
        }
    }

    /**
     * Waits until a descriptor of the set is ready, at most {@code timeoutMs} (0: not at all, -1:
     * as long as it takes), and resets a pending wake-up.
     *
     * @return how many tokens {@link #token} hands back, {@code [0, n)}; 0 after a signal
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
        } catch (IllegalStateException e) {
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

    /** Ends the loop thread's current or next {@link #await}. Any thread; nothing once closed. */
    public synchronized void wakeUp() {
        if (closed) {
            return;
        }
        try {
            // The counter stays far below its limit (each wait reads it back to 0): this does not block,
            // and a write that fails anyway leaves the loop to its next ready socket or wake-up.
            if ((long) WRITE.invokeExact(wakeFd, one, 8L) != 8L) {
                throw new IllegalStateException("writing the wake-up eventfd failed");
            }
        } catch (IllegalStateException e) {
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
        arena.close();
    }

    /** Closes {@code fd} if it is one (not -1); whether it closed, which callers have no use for. */
    private static boolean closeDescriptor(int fd) {
        try {
            return fd < 0 || (int) CLOSE.invokeExact(fd) == 0;
        } catch (Throwable e) {
            return false;
        }
    }
}
