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
 * <p>Threads: the session's reader and the pool threads put; the session's writer takes. A lock,
 * never held while blocking on I/O.
 */
final class Outbox {
    /** How far essential events may go past the budget. */
    static final long ESSENTIAL_HEADROOM_BYTES = 64 * 1024;

    /** How {@link #offerEvent} went. */
    enum EventOutcome { QUEUED, DROPPED, OVERFLOW }

    private final long capacityBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition hasRoom = lock.newCondition();
    private final ArrayDeque<Outbound> queue = new ArrayDeque<>();
    private long queuedBytes;
    /** The most {@link #queuedBytes} has ever been: what this session cost the server at worst. */
    private long peakBytes;
    private boolean finished;
    private boolean closed;

    Outbox(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /**
     * Queues a reply from the session's reader, waiting while the outbox is full (a reply larger
     * than the whole budget still goes out, alone). False when the session closed meanwhile.
     */
    boolean putReply(Outbound reply) throws InterruptedException {
        lock.lock();
        try {
            while (!closed && !queue.isEmpty() && queuedBytes + reply.bytes() > capacityBytes) {
                hasRoom.await(1, TimeUnit.SECONDS);
            }
            return !closed && enqueue(reply);
        } finally {
            lock.unlock();
        }
    }

    /** Queues a pool's reply; never blocks. */
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
            return EventOutcome.QUEUED;
        } finally {
            lock.unlock();
        }
    }

    /** The writer: the next item, waiting for one; null once finished and empty, or closed. */
    Outbound take() throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty() && !finished && !closed) {
                notEmpty.await();
            }
            return closed ? null : dequeue();
        } finally {
            lock.unlock();
        }
    }

    /** The writer: the next item if one is queued, else null. */
    Outbound poll() {
        lock.lock();
        try {
            return closed ? null : dequeue();
        } finally {
            lock.unlock();
        }
    }

    /** No more replies will come: the writer ends once it has written what is queued. */
    void finish() {
        lock.lock();
        try {
            finished = true;
            notEmpty.signalAll();
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
            notEmpty.signalAll();
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
        notEmpty.signal();
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
