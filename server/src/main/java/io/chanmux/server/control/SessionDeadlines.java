package io.chanmux.server.control;

import io.chanmux.server.base.RaisedQueue;
import io.chanmux.server.base.TimingWheel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * When the listener's checker next looks at each control connection for a deadline that has
 * passed (the first line or {@code hello}, a line started, a write started, the idle timeout), so
 * that a check reads only the connections that may be overdue. Visiting every connection once a
 * second read each one's objects cold, 0.3 to 0.75 ms of the relay's core for 300 sessions
 * (docs/benchmarks.md, section 10, round 25); most connections are idle peers with no deadline
 * running at all, and are now never looked at.
 *
 * <p>A {@link TimingWheel} holds each connection with a deadline running at its first one ({@link
 * Watched#firstDeadlineNs}). A deadline moves later without anybody telling the checker (the look
 * comes early, finds nothing overdue, and schedules the next); the threads that move one earlier,
 * or end a connection, {@link #raise} it: a new connection (the listener thread), a line or a
 * write that starts (its own thread, a writer thread), a session that lets go of its last channel
 * (a pool thread). Each {@link #check} looks at due and raised connections: closes each one found
 * overdue, else schedules its next look, or drops it from the wheel once it has no deadline
 * running or has ended. At most {@link #LOOKS_PER_CHECK} looks per check, of which half are kept
 * for the due ones first, so that connections raised again and again (a client sending a blank
 * line every few milliseconds) cannot keep the checker from the others' deadlines; when looks are
 * left waiting, the next check comes within {@link #BACKLOG_CHECK_MS}. A look that throws is
 * logged and tried again at the next check.
 *
 * <p>Memory is bounded by the open connections: the raised wait in a {@link RaisedQueue}, each
 * at most once until the checker takes it, and an ended connection leaves the wheel once looked at.
 *
 * <p>Threading: any thread raises, the checker thread does the rest. A deadline moved earlier as the
 * checker takes its connection is either seen by the checker's read or queues the connection again
 * ({@link RaisedQueue}).
 */
final class SessionDeadlines {
    private static final Logger log = LoggerFactory.getLogger(SessionDeadlines.class);
    /** No deadline running. */
    static final long NONE = Long.MAX_VALUE;
    /** The most connections one check looks at: some 0.3 to 1 ms of a carrier, cold. */
    static final int LOOKS_PER_CHECK = 1_000;
    /** How soon the next check comes when one left looks waiting. */
    static final long BACKLOG_CHECK_MS = 50;

    /** The timeouts a connection's deadlines are reckoned with, in nanoseconds; idle 0 is none. */
    record Timeouts(long lineNs, long writeNs, long idleNs) {
    }

    /** What the checker watches: a control connection ({@link ControlConnection}), or a test's stand-in. */
    abstract static class Watched extends TimingWheel.Entry {
        private static final VarHandle RAISED;

        static {
            try {
                RAISED = MethodHandles.lookup().findVarHandle(Watched.class, "raised", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** Whether it waits in the checker's {@link RaisedQueue}; set by any thread, cleared by the checker. */
        @SuppressWarnings("unused") // accessed through RAISED
        private boolean raised;

        /** Whether its thread has ended: the checker lets go of it. */
        abstract boolean hasEnded();

        /** Closes it if a deadline has passed at {@code nowNs}; true when it did. */
        abstract boolean closeIfOverdue(long nowNs, Timeouts timeouts);

        /** When its first deadline, as things stand, passes; {@link #NONE} when none runs. */
        abstract long firstDeadlineNs(Timeouts timeouts);
    }

    private final Timeouts timeouts;
    private final long checkIntervalMs;
    private final long checkIntervalNs;
    private final RaisedQueue<Watched> raised = new RaisedQueue<>(Watched.RAISED);
    private final TimingWheel<Watched> wheel;
    /** Whether the last check left looks waiting; written by the checker. */
    private boolean looksLeftOver;
    /** The wheel's size after the last check; written by the checker. */
    private volatile int scheduledAfterCheck;

    /**
     * @param checkIntervalMs how often the checker checks; a slot of the wheel
     * @param nowNs           now, in the server clock's nanoseconds
     */
    SessionDeadlines(Timeouts timeouts, long checkIntervalMs, long nowNs) {
        this.timeouts = timeouts;
        this.checkIntervalMs = checkIntervalMs;
        this.checkIntervalNs = checkIntervalMs * 1_000_000L;
        long longestNs = Math.max(Math.max(timeouts.lineNs(), timeouts.writeNs()), timeouts.idleNs());
        this.wheel = new TimingWheel<>(checkIntervalNs, longestNs + 1, nowNs);
    }

    /**
     * Tells the checker a deadline of {@code watched} may have moved earlier, or it has ended;
     * queues it once until the checker takes it. After the change, on the thread that made it. Any thread.
     */
    void raise(Watched watched) {
        raised.raise(watched);
    }

    /** How long the checker waits before the next {@link #check}. The checker. */
    long nextCheckInMs() {
        return looksLeftOver ? Math.min(BACKLOG_CHECK_MS, checkIntervalMs) : checkIntervalMs;
    }

    /**
     * Looks at the connections whose look is due, up to half of {@link #LOOKS_PER_CHECK}, then at
     * the raised ones, then at more due ones, at most {@link #LOOKS_PER_CHECK} in all. The checker.
     */
    void check(long nowNs) {
        int looks = lookAtDue(nowNs, LOOKS_PER_CHECK / 2);
        for (Watched watched; looks < LOOKS_PER_CHECK && (watched = raised.take()) != null; looks++) {
            wheel.remove(watched);
            lookAt(watched, nowNs);
        }
        lookAtDue(nowNs, LOOKS_PER_CHECK - looks);
        looksLeftOver = !raised.isEmpty() || wheel.hasDue(nowNs);
        scheduledAfterCheck = wheel.size();
    }

    /** Connections with a look scheduled, as the last check left them. Any thread. */
    int scheduled() {
        return scheduledAfterCheck;
    }

    /** Looks at up to {@code most} due connections; returns how many. */
    private int lookAtDue(long nowNs, int most) {
        int looks = 0;
        for (; looks < most && wheel.hasDue(nowNs); looks++) {
            lookAt(wheel.pollDue(), nowNs);
        }
        return looks;
    }

    /**
     * Closes a connection found overdue, or schedules its next look, a nanosecond past its first
     * deadline, when it has one; one that has ended, or was just closed, is not scheduled (the
     * end of its thread raises it, and it then leaves for good). Not in the wheel when called.
     */
    private void lookAt(Watched watched, long nowNs) {
        try {
            if (watched.hasEnded() || watched.closeIfOverdue(nowNs, timeouts)) {
                return;
            }
            long firstNs = watched.firstDeadlineNs(timeouts);
            if (firstNs != NONE) {
                wheel.add(watched, firstNs + 1);
            }
        } catch (RuntimeException e) {
            // Dropped, it would never be looked at again: a silent connection never closed.
            log.warn("checking a session's deadlines failed; trying again at the next check", e);
            wheel.add(watched, nowNs + checkIntervalNs);
        }
    }
}
