package io.chanmux.cli;

import io.chanmux.protocol.client.ChanmuxClient;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How a long-running command ({@code create}, {@code join}, {@code send}) ends: the first of its
 * threads to report an {@link Outcome} decides, later reports are ignored.
 *
 * <p>Any thread may {@link #complete}; one thread, the command's, {@link #await}s.
 */
final class SessionEnd {
    /** How often {@link #await} checks that the control connection is still open. */
    static final Duration CONNECTION_CHECK = Duration.ofMillis(500);

    private final CompletableFuture<Outcome> first = new CompletableFuture<>();

    /** Reports an outcome; ignored when one was reported before. */
    void complete(Outcome outcome) {
        first.complete(outcome);
    }

    /**
     * Waits for the first outcome. The client library does not report a closed control connection
     * to its listener, so this checks {@link ChanmuxClient#isOpen} every {@link #CONNECTION_CHECK}.
     */
    Outcome await(ChanmuxClient client, ServerAddress server) throws InterruptedException {
        while (true) {
            try {
                return first.get(CONNECTION_CHECK.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                if (!client.isOpen()) {
                    complete(new Outcome(ChanmuxCli.CONNECTION_FAILED, Outcome.Step.NONE,
                            "error: lost the control connection to chanmux at " + server + " (server stopped?)"));
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("outcomes are never exceptional", e);
            }
        }
    }

    /**
     * Why a session ended.
     *
     * @param status  the exit status
     * @param then    what the command does on its way out
     * @param message a line for stderr, or null
     */
    record Outcome(int status, Step then, String message) {

        /** Standard input reached its end: the command leaves (or deletes) politely. */
        static Outcome inputEnded() {
            return new Outcome(ChanmuxCli.OK, Step.LEAVE, null);
        }

        /** What is left to do once the session has ended. */
        enum Step {
            /** Flush what was sent, then leave the channel or delete it. */
            LEAVE,
            /** Nothing: the channel or the connection is already gone. */
            NONE
        }
    }
}
