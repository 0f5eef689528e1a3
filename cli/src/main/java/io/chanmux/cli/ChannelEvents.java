package io.chanmux.cli;

import io.chanmux.protocol.client.ControlEvent;
import io.chanmux.protocol.control.EventReason;

import java.io.PrintStream;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Prints control events on stderr ({@code * peer 18 joined}) and ends the session when the
 * channel is deleted (status 0) or when this CLI's own peer is evicted (status 3).
 *
 * <p>Runs on the client library's reader thread, so it only prints and reports; it never blocks.
 */
final class ChannelEvents implements Consumer<ControlEvent> {
    private final PrintStream err;
    private final SessionEnd end;
    private volatile long ownPeer = -1;
    private volatile Duration keepalive;

    ChannelEvents(PrintStream err, SessionEnd end) {
        this.err = err;
        this.end = end;
    }

    /** From now on, a {@code peer_left} about {@code peer} means this CLI was evicted; it PINGs every {@code keepalive}. */
    void ownPeer(long peer, Duration keepalive) {
        this.keepalive = keepalive;
        this.ownPeer = peer;
    }

    @Override
    public void accept(ControlEvent event) {
        boolean own = event.peer() >= 0 && event.peer() == ownPeer;
        switch (event.type()) {
            case PEER_LEFT -> {
                if (own) {
                    end.complete(new SessionEnd.Outcome(ChanmuxCli.CONNECTION_FAILED, SessionEnd.Outcome.Step.NONE,
                            evicted(event)));
                } else {
                    err.println(OutputFormat.event(event));
                }
            }
            case CHANNEL_DELETED -> end.complete(
                    new SessionEnd.Outcome(ChanmuxCli.OK, SessionEnd.Outcome.Step.NONE, OutputFormat.event(event)));
            case null, default -> err.println(OutputFormat.event(event));
        }
    }

    private String evicted(ControlEvent event) {
        String message = "* you (peer " + event.peer() + ") were removed from the channel (" + event.reason() + ")";
        if (event.reasonCode() == EventReason.TIMEOUT) {
            message += ": the server heard nothing from this peer within its peer timeout, although it PINGed every "
                    + keepalive.toMillis() + " ms (is UDP to the server blocked?)";
        }
        return message;
    }
}
