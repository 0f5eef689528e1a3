package io.chanmux.server.control;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checker's schedule of looks, driven with a manual clock and stand-ins for connections. */
class SessionDeadlinesTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long START = 7 * SECOND;
    private final SessionDeadlines deadlines = new SessionDeadlines(
            new SessionDeadlines.Timeouts(10 * SECOND, 10 * SECOND, 60 * SECOND), 1_000, START);

    /** A connection whose first deadline the test sets; overdue once the clock is past it. */
    private static final class Connection extends SessionDeadlines.Watched {
        long firstDeadlineNs = SessionDeadlines.NONE;
        boolean ended;
        boolean closed;
        int looks;
        RuntimeException failNextLook;

        @Override
        boolean hasEnded() {
            return ended;
        }

        @Override
        boolean closeIfOverdue(long nowNs, SessionDeadlines.Timeouts timeouts) {
            looks++;
            if (failNextLook != null) {
                RuntimeException failure = failNextLook;
                failNextLook = null;
                throw failure;
            }
            closed = firstDeadlineNs != SessionDeadlines.NONE && nowNs > firstDeadlineNs;
            return closed;
        }

        @Override
        long firstDeadlineNs(SessionDeadlines.Timeouts timeouts) {
            return firstDeadlineNs;
        }
    }

    private static Connection withDeadline(long firstDeadlineNs) {
        Connection connection = new Connection();
        connection.firstDeadlineNs = firstDeadlineNs;
        return connection;
    }

    @Test
    void shouldCloseARaisedConnectionWithinACheckOfItsDeadlineAndNotBefore() {
        Connection connection = withDeadline(START + 5 * SECOND + 300);
        deadlines.raise(connection);
        deadlines.raise(connection); // queued once until taken
        deadlines.check(START);
        assertEquals(1, connection.looks);
        assertEquals(1, deadlines.scheduled());

        for (long now = START + SECOND; now <= START + 5 * SECOND; now += SECOND) {
            deadlines.check(now);
        }
        assertFalse(connection.closed);
        deadlines.check(START + 6 * SECOND);
        assertTrue(connection.closed);
        assertEquals(0, deadlines.scheduled(), "a closed connection is not scheduled again");
    }

    @Test
    void shouldNeverLookAgainAtAConnectionWithNoDeadlineUntilItIsRaised() {
        Connection quiet = new Connection();
        deadlines.raise(quiet);
        deadlines.check(START);
        for (long now = START + SECOND; now <= START + 120 * SECOND; now += SECOND) {
            deadlines.check(now);
        }
        assertEquals(1, quiet.looks);
        assertEquals(0, deadlines.scheduled());

        quiet.firstDeadlineNs = START + 130 * SECOND; // a line starts
        deadlines.raise(quiet);
        deadlines.check(START + 121 * SECOND);
        assertEquals(2, quiet.looks);
        assertEquals(1, deadlines.scheduled());
    }

    @Test
    void shouldLetGoOfAConnectionThatEndedWhenItsEndRaisesIt() {
        Connection connection = withDeadline(START + 50 * SECOND);
        deadlines.raise(connection);
        deadlines.check(START);
        assertEquals(1, deadlines.scheduled());

        connection.ended = true;
        deadlines.raise(connection);
        deadlines.check(START + SECOND);
        assertEquals(0, deadlines.scheduled());
        assertEquals(1, connection.looks, "an ended connection is not checked");
    }

    @Test
    void shouldKeepHalfTheLooksForDueConnectionsWhileRaisedOnesFloodTheChecker() {
        List<Connection> due = new ArrayList<>();
        for (int i = 0; i < 800; i++) {
            Connection connection = withDeadline(START + 2 * SECOND);
            due.add(connection);
            deadlines.raise(connection);
        }
        deadlines.check(START);
        assertEquals(800, deadlines.scheduled());

        long now = START + 3 * SECOND;
        List<Connection> flood = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            Connection connection = new Connection();
            flood.add(connection);
            deadlines.raise(connection);
        }
        deadlines.check(now);
        long dueClosed = due.stream().filter(connection -> connection.closed).count();
        long floodLooked = flood.stream().filter(connection -> connection.looks > 0).count();
        assertEquals(SessionDeadlines.LOOKS_PER_CHECK / 2, dueClosed, "half the looks go to due connections first");
        assertEquals(SessionDeadlines.LOOKS_PER_CHECK / 2, floodLooked);
        assertEquals(SessionDeadlines.BACKLOG_CHECK_MS, deadlines.nextCheckInMs(), "the rest within 50 ms");

        int checks = 1;
        while (deadlines.nextCheckInMs() == SessionDeadlines.BACKLOG_CHECK_MS) {
            now += SessionDeadlines.BACKLOG_CHECK_MS * 1_000_000L;
            deadlines.check(now);
            checks++;
        }
        assertTrue(due.stream().allMatch(connection -> connection.closed));
        assertTrue(flood.stream().allMatch(connection -> connection.looks == 1));
        assertEquals(4, checks, "3,800 looks, 1,000 a check");
        assertEquals(1_000, deadlines.nextCheckInMs());
    }

    @Test
    void shouldLookAgainAtTheNextCheckAfterALookThatThrew() {
        Connection connection = withDeadline(START + SECOND / 2);
        connection.failNextLook = new IllegalStateException("a look that fails (test)");
        deadlines.raise(connection);
        deadlines.check(START);
        assertEquals(1, deadlines.scheduled(), "kept, not dropped");

        deadlines.check(START + SECOND);
        assertEquals(2, connection.looks);
        assertTrue(connection.closed);
    }
}
