package io.chanmux.server.control;

import io.chanmux.protocol.control.ServerEvent;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A session's outbound data, bounded in bytes, with one policy for what happens when its client
 * reads too slowly:
 *
 * <ul>
 *   <li><b>Replies</b> the session's reader produces wait for room: the reader then reads no more
 *       requests, so TCP pushes back on the client. A client that stops reading altogether is
 *       closed by the write timeout, and everything queued here is released with the session.</li>
 *   <li><b>Pool replies</b> are always taken: each session has at most one request at a pool.</li>
 *   <li><b>Churn events</b> (news about other peers) are dropped, and counted, once the outbox is
 *       half full: churn by others never closes a member.</li>
 *   <li><b>Essential events</b> (the session's own peer removed, its channel deleted, the server
 *       draining) are taken beyond the budget, up to a fixed headroom; past that the session is
 *       closed ({@code outbound_overflow}). There are at most a few per channel the session is in.</li>
 * </ul>
 *
 * <p>It also decides who writes, so that an idle connection parks one thread, not two: one thread
 * at a time holds the <b>writer's role</b> and writes what is queued, in queue order, until the
 * outbox is empty. The connection's own thread takes the role after each request it answered
 * ({@link #claimWriter}); an event that arrives while nobody writes gives the role to a writer
 * thread that the caller starts ({@link EventOutcome#QUEUED_NEEDS_WRITER}). After {@link
 * #finishAndClaimWriter} no writer thread is started any more: the connection's thread writes
 * the last lines itself.
 *
 * <p>Threads: the session's reader and the pool threads put; the holder of the writer's role
 * polls. A lock, never held while blocking on I/O.
 */
final class Outbox {
    /** How far essential events may go past the budget. */
    static final long ESSENTIAL_HEADROOM_BYTES = 64 * 1024;

    /** How {@link #offerEvent} went. */
    enum EventOutcome {
        /** Queued; a writer is already at work (or the connection's thread will write it). */
        QUEUED,
        /** Queued while nobody wrote: the writer's role is now the caller's to hand to a new writer thread. */
        QUEUED_NEEDS_WRITER,
        /** A churn event past half the budget: dropped. */
        DROPPED,
        /** An essential event past the headroom: the session must close. */
        OVERFLOW
    }

    private final long capacityBytes;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the outbox has room, when the writer gives up its role, and on close. */
    private final Condition hasRoom = lock.newCondition();
    private final ArrayDeque<Outbound> queue = new ArrayDeque<>();
    private long queuedBytes;
    /** The most {@link #queuedBytes} has ever been: what this session cost the server at worst. */
    private long peakBytes;
    /** Whether a thread holds the writer's role. */
    private boolean writing;
    /** Whether the connection's thread writes the last lines: no writer thread is started any more. */
    private boolean finished;
    private boolean closed;

    Outbox(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /**
     * Queues a reply from the session's reader, waiting while a writer thread works and the outbox
     * is full (a reply larger than the whole budget still goes out, alone). With nobody writing it
     * is queued at once: the reader writes it next, and so itself waits on a client that reads
     * slowly. False when the session closed meanwhile.
     */
    boolean putReply(Outbound reply) throws InterruptedException {
        lock.lock();
        try {
            while (!closed && writing && !queue.isEmpty() && queuedBytes + reply.bytes() > capacityBytes) {
                hasRoom.await(1, TimeUnit.SECONDS);
            }
            return !closed && enqueue(reply);
        } finally {
            lock.unlock();
        }
    }

    /** Queues a pool's reply; never blocks. The reader waiting for it writes it. */
    void putPoolReply(Outbound.PoolReply reply) {
        lock.lock();
        try {
            if (!closed) {
                enqueue(reply);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Queues an event unless the policy above says otherwise; never blocks. */
    EventOutcome offerEvent(ServerEvent event, boolean essential) {
        Outbound.Event item = new Outbound.Event(event);
        lock.lock();
        try {
            if (closed) {
                return EventOutcome.QUEUED;
            }
            long limit = essential ? capacityBytes + ESSENTIAL_HEADROOM_BYTES : capacityBytes / 2;
            if (queuedBytes + item.bytes() > limit) {
                return essential ? EventOutcome.OVERFLOW : EventOutcome.DROPPED;
            }
            enqueue(item);
            if (writing || finished) {
                return EventOutcome.QUEUED;
            }
            writing = true;
            return EventOutcome.QUEUED_NEEDS_WRITER;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The connection's thread, after answering a request: takes the writer's role if something
     * is queued and nobody writes. True: the caller writes until {@link #releaseWriter} lets it go.
     */
    boolean claimWriter() {
        lock.lock();
        try {
            if (writing || closed || queue.isEmpty()) {
                return false;
            }
            writing = true;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The connection's thread, once it reads no more: starts no writer thread any more, waits for
     * the one at work to finish, and takes the writer's role for the last lines. False when closed,
     * or when the role is still held after {@code timeoutNs} (the write timeout): a writer that
     * never gave it back must not keep the connection, and its session, forever.
     */
    boolean finishAndClaimWriter(long timeoutNs) throws InterruptedException {
        lock.lock();
        try {
            finished = true;
            long leftNs = timeoutNs;
            while (writing && !closed) {
                if (leftNs <= 0) {
                    return false;
                }
                leftNs = hasRoom.awaitNanos(leftNs);
            }
            if (closed) {
                return false;
            }
            writing = true;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The writer: gives up its role if nothing is queued. False when something was queued
     * meanwhile: the caller still holds the role and writes on, so nothing waits unwritten.
     */
    boolean releaseWriter() {
        lock.lock();
        try {
            if (!closed && !queue.isEmpty()) {
                return false;
            }
            writing = false;
            hasRoom.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Whether a thread holds the writer's role. For tests: the writers themselves go by what the other methods return. */
    boolean isWriting() {
        lock.lock();
        try {
            return writing;
        } finally {
            lock.unlock();
        }
    }

    /** The writer: the next item if one is queued, else null (also once closed). */
    Outbound poll() {
        lock.lock();
        try {
            return closed ? null : dequeue();
        } finally {
            lock.unlock();
        }
    }

    /** The connection is gone: drop everything and wake every waiter. */
    void close() {
        lock.lock();
        try {
            closed = true;
            queue.clear();
            queuedBytes = 0;
            hasRoom.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Bytes charged for what is queued. */
    long queuedBytes() {
        lock.lock();
        try {
            return queuedBytes;
        } finally {
            lock.unlock();
        }
    }

    /** The most bytes this outbox has held at once. */
    long peakBytes() {
        lock.lock();
        try {
            return peakBytes;
        } finally {
            lock.unlock();
        }
    }

    private boolean enqueue(Outbound item) {
        queue.add(item);
        queuedBytes += item.bytes();
        peakBytes = Math.max(peakBytes, queuedBytes);
        return true;
    }

    private Outbound dequeue() {
        Outbound item = queue.poll();
        if (item != null) {
            queuedBytes -= item.bytes();
            hasRoom.signalAll();
        }
        return item;
    }
}
