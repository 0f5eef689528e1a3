package io.chanmux.server.pool;

import io.chanmux.server.channel.RecvmmsgVector;
import io.chanmux.server.channel.RelayPort;
import io.chanmux.server.channel.SendmmsgVector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The poll-loop engine of one pool ({@code --udp-engine poll-loop}): one platform thread owning a
 * {@link Selector} over the own sockets of every channel of the pool, and in single-port mode over
 * the pool's socket of the shared port, in the manner of a C relay's epoll loop. Each socket is
 * registered once, non-blocking, for reading; the selector is level-triggered, so a wake-up costs
 * neither a re-arm ({@code epoll_ctl}) nor a hand-off from a poller to a carrier thread, as a
 * parked virtual thread's does. Each select drains every ready socket through {@link
 * RelayPort#drain}, the same datagram path the virtual-thread engine takes, at most {@link
 * #BATCH_PER_SOCKET} datagrams per socket per turn, so one flooded socket cannot starve the others
 * (a socket left with datagrams is ready again at the next select). With {@code
 * --poll-loop-busy-poll} above 0 (off by default), a loop that has hardly waited in the last 10 ms
 * polls for up to the next 10 ms instead of sleeping in select ({@link BusyPolling}), sparing
 * itself and its senders the wake-ups that a nearly saturated loop would otherwise pay for every
 * short sleep. Where it can ({@link RecvmmsgVector#openIfAvailable}: Linux x86-64), a socket's
 * waiting datagrams come in with one {@code recvmmsg} per 32 and their copies leave with one {@code
 * sendmmsg} per 64 messages, instead of one system call per datagram and one per copy (replies
 * still leave one by one); where the kernel segments UDP, copies of one size to one peer share a
 * message ({@link SendmmsgVector}).
 *
 * <p>Threading: {@link #run} is the loop thread. It is the socket thread of every socket it
 * serves (the shared port's socket serves the sources the kernel hashes to it, of any pool's
 * channels, and writes its own row, the pool's index, of what they share), and the only thread
 * that registers, selects on or deregisters the keys of its selector. The pool thread reaches it
 * only through a bounded queue of {@link Command}s and {@link Selector#wakeup}: it {@link
 * #register}s a new channel's socket, and after closing a channel's socket (which cancels its key)
 * it {@link #awaitClosed awaits} the deregistration, since the kernel closes a registered socket,
 * and frees its port, only then. The loop ends when its thread is interrupted (the pool closes
 * the loop's scope as it stops), closing its selector.
 *
 * <p>Failures: anything thrown while a channel's own socket is drained ends that channel only, as
 * it would end the channel's own thread: its key is cancelled, and once the next select has
 * deregistered it (only then is the socket closed in the kernel, and its port free) the channel is
 * reported {@code ended}. Anything else that fails a turn, a throw while the shared port's socket
 * is drained included, is logged ({@code poll_loop_turn_failed}) and counted, the loop pauses for
 * 10 ms, and it goes on: a dead loop would silently stop every channel of the pool, and a shared
 * socket left unread every source the kernel sends to it.
 */
final class PollLoop {
    private static final Logger log = LoggerFactory.getLogger(PollLoop.class);
    /** The pause after a failed turn: at most 100 failures a second. */
    private static final long FAILED_TURN_PAUSE_NS = 10_000_000L;
    /**
     * Datagrams one socket may hand in per turn. Large enough that a busy socket pays for its
     * select many times over, small enough that a turn over a few thousand sockets stays short.
     */
    static final int BATCH_PER_SOCKET = 64;
    /**
     * Turns per call of {@link #turns}: few enough that a loop relaying thousands of turns a second
     * calls it hundreds of times a second, so the JIT compiles it as a method; enough
     * that {@link #run}'s own loop stays cold (compiled on the stack sixteen times later, and small).
     */
    private static final int TURNS_PER_CALL = 16;

    private final int pool;
    /**
     * The pool's socket of the shared port ({@code --udp-port}), served beside the channel sockets
     * and registered when the loop starts; null when the pool has none.
     */
    private final RelayPort sharedPort;
    private final Selector selector;
    private final BlockingQueue<Command> commands;
    private final int maxDatagramBytes;
    /** {@code --udp-gso}: whether the send vector may join copies to one peer into one message. */
    private final boolean joinCopies;
    /**
     * Where the loop's ports receive with {@code recvmmsg} and send fan-out copies with {@code
     * sendmmsg}; null where that cannot be done (then one JDK receive per datagram, into {@link
     * #buffer}, and one send per copy). Made, used and closed by the loop thread, whose confined
     * native memory they hold.
     */
    private RecvmmsgVector recvmmsg;
    private SendmmsgVector sendmmsg;
    /**
     * Every socket's datagrams land here in turn when they come one at a time (no vectors); made
     * with the loop, so that a machine short of direct memory fails the start. Loop thread only.
     */
    private final ByteBuffer buffer;
    /** What the pool does when a channel's socket thread stops serving it unexpectedly (closes it, tells the directory). */
    private final Consumer<Channel> ended;
    /** Set once the loop has stopped and closed its selector: commands queued later are cleared by their sender. */
    private volatile boolean stopped;
    /**
     * Channels that failed in this turn, their keys cancelled but not yet deregistered: their
     * sockets stay open in the kernel, and their ports taken, until the next select. Loop thread only.
     */
    private final List<Channel> failed = new ArrayList<>();
    /** Written by the loop thread only (volatile for metrics and tests). */
    private volatile long turnFailures;
    /** Whether the next select sleeps or polls, from how long the loop waited in the last window. */
    private final BusyPolling busyPolling;
    /** When the current turn started (the previous one ended). Loop thread only. */
    private long turnStartNs;
    /** Whether the current select has found a ready socket. Loop thread only. */
    private boolean anyReady;
    /** When the current select found its first ready socket, once {@link #anyReady}. Loop thread only. */
    private long firstReadyNs;
    /** Polls that found no socket ready. Written by the loop thread only (volatile for metrics and tests). */
    private volatile long emptyPolls;
    /** What a select does with each ready key; one instance, not one per turn. */
    private final Consumer<SelectionKey> onReady = this::onReady;

    /** What the pool thread asks of the loop; applied in order at the top of the loop's next turn. */
    private sealed interface Command {
        /** Serve this channel's own socket. */
        record Register(Channel channel) implements Command {
        }

        /** Deregister every key cancelled so far, whose closed sockets the kernel then closes, and count down. */
        record Flush(CountDownLatch done) implements Command {
        }
    }

    private PollLoop(int pool, RelayPort sharedPort, Selector selector, int maxDatagramBytes, boolean joinCopies,
                     int queueCapacity, int maxWaitPercent, Consumer<Channel> ended) {
        this.pool = pool;
        this.sharedPort = sharedPort;
        this.busyPolling = new BusyPolling(maxWaitPercent);
        this.selector = selector;
        this.commands = new ArrayBlockingQueue<>(queueCapacity);
        this.maxDatagramBytes = maxDatagramBytes;
        this.joinCopies = joinCopies;
        this.buffer = RelayPort.receiveBuffer(maxDatagramBytes);
        this.ended = ended;
    }

    /**
     * A loop with a new selector, not yet running.
     *
     * @param sharedPort     the pool's socket of the shared port, for the loop to serve too, or null
     * @param joinCopies     whether runs of copies to one peer may leave as one segmented message ({@code --udp-gso})
     * @param queueCapacity  how many commands may wait for the loop
     * @param maxWaitPercent the loop polls without sleeping for up to the next 10 ms when it waited
     *                       for less than this share of the last ({@link BusyPolling}); 0 never
     * @param ended          called on the loop thread for a channel whose socket it can no longer serve
     * @throws IOException when no selector can be opened, with a message naming the pool
     */
    static PollLoop open(int pool, RelayPort sharedPort, int maxDatagramBytes, boolean joinCopies, int queueCapacity,
                         int maxWaitPercent, Consumer<Channel> ended) throws IOException {
        Selector selector;
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new IOException("pool " + pool + " cannot open a selector for --udp-engine poll-loop: "
                    + e.getMessage(), e);
        }
        return new PollLoop(pool, sharedPort, selector, maxDatagramBytes, joinCopies, queueCapacity, maxWaitPercent,
                ended);
    }

    /** Closes the selector of a loop that never ran (a server that failed to start). Any thread. */
    void closeUnstarted() {
        try {
            selector.close();
        } catch (IOException e) {
            log.debug("closing pool {}'s selector failed", pool, e);
        }
    }

    /**
     * The loop thread: applies commands and drains ready sockets until interrupted. A failure in
     * one turn is logged and the loop goes on: ending it would stop every channel of the pool
     * relaying, and nothing else would notice.
     */
    void run() {
        try {
            openVectors();
            registerSharedPort();
            turnStartNs = System.nanoTime();
            busyPolling.start(turnStartNs);
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    turns();
                } catch (Throwable e) {
                    turnFailures++;
                    log.atError().addKeyValue("event", "poll_loop_turn_failed").addKeyValue("pool", pool)
                            .setCause(e).log("pool {}'s poll loop failed a turn; it goes on", pool);
                    // A fault that repeats every turn (a broken selector) must not spin a core and flood the log.
                    LockSupport.parkNanos(FAILED_TURN_PAUSE_NS);
                }
            }
        } finally {
            try {
                // Deregisters every key, so the kernel closes each socket the pool has closed.
                selector.close();
            } catch (IOException e) {
                log.debug("closing pool {}'s selector failed", pool, e);
            }
            try {
                if (recvmmsg != null) {
                    sendmmsg.close();
                    recvmmsg.close();
                }
            } finally {
                // Only now: a caller that sees it needs no flush, as the selector is gone.
                stopped = true;
                clearStopped();
            }
        }
    }

    /**
     * Up to {@link #TURNS_PER_CALL} turns, each: commands, one select (or poll) serving every ready
     * socket, failed channels reported; fewer once the thread is interrupted. Called again and
     * again by {@link #run}'s loop, so that the JIT compiles it as a method, by its invocation and
     * loop counts, seconds sooner than it would compile {@code run}'s loop on the stack (after tens
     * of thousands of turns, in slower code meanwhile, and then with a large compile on a core the
     * loop may share).
     */
    private void turns() throws IOException {
        for (int turn = 0; turn < TURNS_PER_CALL && !Thread.currentThread().isInterrupted(); turn++) {
            applyCommands();
            anyReady = false;
            if (!busyPolling.polling()) {
                selector.select(onReady);
            } else if (selector.selectNow(onReady) == 0) {
                emptyPolls++;
            }
            long turnEndNs = System.nanoTime();
            busyPolling.selected((anyReady ? firstReadyNs : turnEndNs) - turnStartNs, turnEndNs);
            turnStartNs = turnEndNs;
            reportFailed();
        }
    }

    /**
     * Opens the native vectors where they can be used; anything failing there leaves the loop
     * taking and sending datagrams one at a time, not stopped. Loop thread.
     */
    private void openVectors() {
        try {
            recvmmsg = RecvmmsgVector.openIfAvailable(maxDatagramBytes);
            sendmmsg = SendmmsgVector.sendingFrom(recvmmsg, joinCopies);
        } catch (RuntimeException | Error e) {
            log.warn("pool {}'s poll loop cannot batch its system calls; it takes datagrams one at a time", pool, e);
            if (recvmmsg != null) {
                recvmmsg.close();
            }
            recvmmsg = null;
            sendmmsg = null;
        }
        log.info("pool {}'s poll loop takes and sends datagrams {}", pool,
                recvmmsg == null ? "one at a time"
                        : sendmmsg.joinsCopies() ? "in batches (recvmmsg, sendmmsg with UDP segmentation offload)"
                        : "in batches (recvmmsg, sendmmsg)");
    }

    /**
     * Has the selector serve the pool's socket of the shared port, if it has one. A socket already
     * closed is a pool that stopped before its loop started. A socket that cannot be registered is
     * logged ({@code shared_port_failed}) and closed, so that the kernel sends its sources to the
     * port's other sockets, if it has any, instead of to a socket nobody reads. Loop thread.
     */
    private void registerSharedPort() {
        if (sharedPort == null) {
            return;
        }
        try {
            sharedPort.register(selector, sharedPort, sendmmsg);
        } catch (ClosedChannelException e) {
            // the pool is stopping
        } catch (IOException | RuntimeException e) {
            log.atError().addKeyValue("event", "shared_port_failed").addKeyValue("pool", pool).setCause(e)
                    .log("pool {}'s poll loop cannot serve its socket of the shared port; closing it", pool);
            ChannelDirectory.closeQuietly(sharedPort, "pool " + pool + "'s shared socket");
        }
    }

    /** Whether the loop polls without sleeping for now. Any thread. */
    boolean busyPolling() {
        return busyPolling.polling();
    }

    /** Polls that found no socket ready, since the loop started. Any thread. */
    long emptyPolls() {
        return emptyPolls;
    }

    /** Turns that failed and were skipped, since the loop started. Loop thread writes, any thread reads. */
    long turnFailures() {
        return turnFailures;
    }

    /**
     * Has the loop serve a new channel's own socket. Pool thread.
     *
     * @throws IllegalStateException once the loop has stopped, or when interrupted (shutdown)
     */
    void register(Channel channel) {
        try {
            if (!queue(new Command.Register(channel))) {
                throw new IllegalStateException("pool " + pool + "'s poll loop has stopped");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("pool " + pool + " is stopping");
        }
    }

    /**
     * Returns once the loop has deregistered every key cancelled before this call: a socket the
     * caller has just closed is then closed in the kernel, and its port can be bound again. Pool thread.
     */
    void awaitClosed() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        if (queue(new Command.Flush(done))) {
            done.await();
        }
    }

    /** Queues a command and wakes the loop; false, queuing nothing, once the loop has stopped. */
    private boolean queue(Command command) throws InterruptedException {
        if (stopped) {
            return false;
        }
        // Waits for room rather than failing: the loop empties the queue every turn.
        commands.put(command);
        selector.wakeup();
        if (stopped) {
            clearStopped(); // the loop may have stopped after its last look at the queue
        }
        return true;
    }

    private void applyCommands() throws IOException {
        for (Command command; (command = commands.poll()) != null; ) {
            switch (command) {
                case Command.Register r -> onRegister(r.channel());
                case Command.Flush f -> {
                    // Serves nothing while the pool thread waits: what is ready stays ready for the turn.
                    try {
                        flushCancelled();
                    } finally {
                        f.done().countDown(); // a flush that failed must not hold the pool thread for ever
                    }
                }
            }
        }
    }

    private void onRegister(Channel channel) {
        try {
            channel.ownPort().register(selector, channel, sendmmsg);
        } catch (ClosedChannelException e) {
            // Deleted before the loop got to it: its pool has already retired it.
        } catch (IOException | IllegalStateException e) {
            // Never registered (RelayPort.register reads the descriptor, which may fail with an
            // IllegalStateException, before it registers), so no key holds its socket open: it can
            // be reported at once.
            log.error("pool {} cannot serve channel {}'s socket; closing the channel", pool, channel.id(), e);
            report(channel);
        }
    }

    /** One ready socket: at most a batch of its datagrams. Loop thread, inside a select. */
    private void onReady(SelectionKey key) {
        if (!anyReady) {
            anyReady = true;
            firstReadyNs = System.nanoTime();
        }
        switch (key.attachment()) {
            case Channel channel -> drainChannel(key, channel);
            // Serves the sources the kernel hashes to it, of any channel: a failure does not end
            // it but fails the turn (logged, counted, the loop pauses), and it stays registered.
            case RelayPort shared -> shared.drain(buffer, BATCH_PER_SOCKET);
            default -> throw new IllegalStateException("unknown key attachment " + key.attachment());
        }
    }

    private void drainChannel(SelectionKey key, Channel channel) {
        try {
            channel.ownPort().drain(buffer, BATCH_PER_SOCKET);
        } catch (Throwable e) {
            // As a channel's own thread would end: this channel stops, the pool's other channels go on.
            log.atError().addKeyValue("event", "channel_failed").addKeyValue("channel", channel.id())
                    .setCause(e).log("channel {} failed; closing it", channel.id());
            key.cancel();
            failed.add(channel);
        }
    }

    /**
     * Reports the channels that failed in this turn ended, once a select has deregistered their
     * cancelled keys: the pool then closes their sockets, which the kernel closes at once, so the
     * directory frees ports that are truly free. Loop thread.
     */
    private void reportFailed() throws IOException {
        if (failed.isEmpty()) {
            return;
        }
        flushCancelled();
        failed.forEach(this::report);
        failed.clear();
    }

    /** Deregisters every cancelled key; whatever is ready stays ready (level-triggered), for the next turn. */
    private void flushCancelled() throws IOException {
        selector.selectNow();
        selector.selectedKeys().clear();
    }

    /** Tells the pool a channel has ended; a failure there ends neither the loop nor the other reports. */
    private void report(Channel channel) {
        try {
            ended.accept(channel);
        } catch (Throwable e) {
            log.atError().addKeyValue("event", "channel_end_failed").addKeyValue("channel", channel.id())
                    .setCause(e).log("pool {} failed to end channel {}", pool, channel.id());
        }
    }

    /**
     * Once the loop has stopped: frees whoever waits for a queued flush. Any thread; each command
     * is polled by exactly one. A queued channel's socket is left to its pool, which closes it
     * when it retires the channel.
     */
    private void clearStopped() {
        for (Command command; (command = commands.poll()) != null; ) {
            switch (command) {
                case Command.Register r -> { }
                case Command.Flush f -> f.done().countDown();
            }
        }
    }
}
