package io.chanmux.server.control;

import io.chanmux.server.base.TimingWheel;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * When the listener's checker next looks at each control connection for a deadline that has
 * passed (the first line or {@code hello}, a line started, a write started, the idle timeout), so
 * that a check reads only the connections that may be overdue. Visiting every connection once a
 * second read each one's objects cold, 0.3 to 0.75 ms of the relay's core for 300 sessions
 * (docs/benchmarks.md, section 10, round 25); most connections are idle peers with no deadline
 * running at all, and are now never looked at.
 *
 * <p>A {@link TimingWheel} holds each connection with a deadline running at its first one ({@link
 * ControlConnection#firstDeadlineNs}). A deadline moves later without anybody telling the checker
 * (the look comes early, finds nothing overdue, and schedules the next); the threads that move one
 * earlier, or end a connection, {@link #raise} it: a new connection (the listener thread), a line
 * or a write that starts (its own thread, a writer thread), a session that lets go of its last
 * channel (a pool thread). Each {@link #check} takes the raised connections, then the due ones, and
 * looks at each: closes it if overdue, else schedules its next look, or drops it from the wheel
 * once it has no deadline running or has ended. At most {@link #LOOKS_PER_CHECK} looks per check;
 * when more are waiting, the next check comes within {@link #BACKLOG_CHECK_MS}.
 *
 * <p>Memory is bounded by the open connections: a connection is queued at most once until the
 * checker takes it (a flag on the connection), and an ended one leaves the wheel at the next check.
 *
 * <p>Threading: any thread raises, the checker thread does the rest. A deadline moved earlier as the
 * checker takes its connection is either seen by the checker's read or queues the connection again,
 * never neither: both sides put a full fence between their store (the deadline; the flag's clearing)
 * and their load (the flag; the deadline).
 */
final class SessionDeadlines {
    /** No deadline running. */
    static final long NONE = Long.MAX_VALUE;
    /** The most connections one check looks at: some 0.3 to 1 ms of a carrier, cold. */
    static final int LOOKS_PER_CHECK = 1_000;
    /** How soon the next check comes when one left looks waiting. */
    static final long BACKLOG_CHECK_MS = 50;

    /** The timeouts a connection's deadlines are reckoned with, in nanoseconds; idle 0 is none. */
    record Timeouts(long lineNs, long writeNs, long idleNs) {
    }

    private final Timeouts timeouts;
    private final long checkIntervalMs;
    private final Queue<ControlConnection> raised = new ConcurrentLinkedQueue<>();
    private final TimingWheel<ControlConnection> wheel;
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
        long longestNs = Math.max(Math.max(timeouts.lineNs(), timeouts.writeNs()), timeouts.idleNs());
        this.wheel = new TimingWheel<>(checkIntervalMs * 1_000_000L, longestNs + 1, nowNs);
    }

    /** Queues {@code connection}, whose flag its caller has just set ({@link ControlConnection#raiseDeadlines}). Any thread. */
    void raise(ControlConnection connection) {
        raised.offer(connection);
    }

    /** How long the checker waits before the next {@link #check}. The checker. */
    long nextCheckInMs() {
        return looksLeftOver ? Math.min(BACKLOG_CHECK_MS, checkIntervalMs) : checkIntervalMs;
    }

    /**
     * Looks at the raised connections, then at those whose look is due, at most {@link
     * #LOOKS_PER_CHECK} in all. The checker.
     */
    void check(long nowNs) {
        int looks = 0;
        for (ControlConnection connection; looks < LOOKS_PER_CHECK && (connection = raised.poll()) != null; looks++) {
            connection.clearDeadlinesRaised();
            wheel.remove(connection);
            lookAt(connection, nowNs);
        }
        for (; looks < LOOKS_PER_CHECK && wheel.hasDue(nowNs); looks++) {
            lookAt(wheel.pollDue(), nowNs);
        }
        looksLeftOver = !raised.isEmpty() || wheel.hasDue(nowNs);
        scheduledAfterCheck = wheel.size();
    }

    /** Connections with a look scheduled, as the last check left them. Any thread. */
    int scheduled() {
        return scheduledAfterCheck;
    }

    /**
     * Closes a connection found overdue, or schedules its next look, a nanosecond past its first
     * deadline, when it has one; a connection that has ended, or was just closed, is not scheduled
     * (its end raises it, and it then leaves for good). Not in the wheel when called.
     */
    private void lookAt(ControlConnection connection, long nowNs) {
        if (connection.hasEnded() || connection.closeIfOverdue(nowNs, timeouts)) {
            return;
        }
        long firstNs = connection.firstDeadlineNs(timeouts);
        if (firstNs != NONE) {
            wheel.add(connection, firstNs + 1);
        }
    }
}
