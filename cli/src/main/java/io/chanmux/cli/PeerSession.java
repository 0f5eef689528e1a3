package io.chanmux.cli;

import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ChanmuxException;
import io.chanmux.protocol.control.LineTooLongException;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;

/**
 * What {@code join} and {@code send} share: connect, join and bind, then run until the first of
 * these ends the session — standard input reaches its end (when lines are sent), the channel is
 * deleted, this peer is evicted, or the control connection or the UDP socket fails. At the end of
 * input it waits until the server has forwarded everything sent, then leaves.
 *
 * <p>Runs on the command's thread; adds a virtual thread that reads standard input.
 */
final class PeerSession {
    private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(2);

    private final ChanmuxCli cli;
    private final String channel;
    private final String key;
    private final boolean printReceived;
    private final boolean sendInput;

    /**
     * @param printReceived print every received DATA on stdout ({@code join})
     * @param sendInput     send every line of standard input as DATA, and leave at its end
     */
    PeerSession(ChanmuxCli cli, String channel, String key, boolean printReceived, boolean sendInput) {
        this.cli = cli;
        this.channel = channel;
        this.key = key;
        this.printReceived = printReceived;
        this.sendInput = sendInput;
    }

    /** Runs the session; returns the exit status. */
    int run() throws IOException, InterruptedException {
        PrintStream out = cli.out();
        PrintStream err = cli.err();
        SessionEnd end = new SessionEnd();
        ChannelEvents events = new ChannelEvents(err, end);
        try (ChanmuxClient client = cli.connect(events)) {
            ChannelMember.PayloadListener printer = printReceived ? (sender, buffer, offset, length) -> {
                byte[] line = OutputFormat.dataLine(sender, buffer, offset, length);
                // One write per line: events and data from other threads never split it.
                out.write(line, 0, line.length);
                out.flush();
            } : null;
            try (ChannelMember member = ChannelMember.join(client, channel, key, printer, end)) {
                events.ownPeer(member.peerId(), member.keepaliveInterval());
                err.println("* joined channel " + channel + " as peer " + member.peerId() + " (UDP port "
                        + member.port() + "); " + hint());
                if (sendInput) {
                    Thread.ofVirtual().name("chanmux-cli-stdin").start(() -> end.complete(sendLines(member, err)));
                }
                SessionEnd.Outcome outcome = end.await(client, cli.server());
                if (outcome.message() != null) {
                    err.println(outcome.message());
                }
                if (outcome.then() == SessionEnd.Outcome.Step.LEAVE) {
                    leave(member, err);
                }
                return outcome.status();
            }
        }
    }

    /**
     * Waits until what was sent has been forwarded, then leaves. A failure here changes nothing for
     * the other peers (closing the control connection removes this peer too), so it is only reported.
     */
    private void leave(ChannelMember member, PrintStream err) throws InterruptedException {
        try {
            if (!member.flush(FLUSH_TIMEOUT)) {
                err.println("warning: the server did not confirm the last datagrams within "
                        + FLUSH_TIMEOUT.toSeconds() + " s; some may be lost");
            }
            member.leave();
            err.println("* left channel " + channel);
        } catch (ChanmuxException e) {
            err.println("* channel " + channel + " is already gone (" + e.getMessage() + ")");
        } catch (IOException e) {
            err.println("warning: leaving channel " + channel + " failed: " + ChanmuxCli.describe(e)
                    + "; the last datagrams may be lost");
        }
    }

    private String hint() {
        if (sendInput && printReceived) {
            return "type lines to send them; Ctrl-D leaves, Ctrl-C quits";
        }
        if (sendInput) {
            return "sending each line of input";
        }
        return "printing what others send; Ctrl-C leaves";
    }

    /** Sends every line of standard input; runs on its own thread until the input ends. */
    private SessionEnd.Outcome sendLines(ChannelMember member, PrintStream err) {
        InputLines lines = new InputLines(cli.in(), ChannelMember.MAX_PAYLOAD_BYTES);
        boolean warnedSize = false;
        try {
            while (true) {
                byte[] line;
                try {
                    line = lines.next();
                } catch (LineTooLongException e) {
                    err.println("warning: skipped a line longer than " + e.limitBytes()
                            + " bytes, the most one datagram carries");
                    continue;
                }
                if (line == null) {
                    return SessionEnd.Outcome.inputEnded();
                }
                if (line.length > ChannelMember.DEFAULT_SERVER_PAYLOAD_BYTES && !warnedSize) {
                    warnedSize = true;
                    err.println("warning: a line of " + line.length + " bytes is over "
                            + ChannelMember.DEFAULT_SERVER_PAYLOAD_BYTES + ", the most a server with the default "
                            + "--max-datagram forwards; it may be dropped");
                }
                member.send(line);
            }
        } catch (IOException e) {
            return new SessionEnd.Outcome(ChanmuxCli.CONNECTION_FAILED, SessionEnd.Outcome.Step.NONE,
                    "error: sending to the channel failed: " + ChanmuxCli.describe(e));
        }
    }
}
