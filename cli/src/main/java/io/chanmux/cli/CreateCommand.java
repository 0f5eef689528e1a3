package io.chanmux.cli;

import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.client.CreateOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.concurrent.Callable;

/**
 * {@code chanmux create [--name N] [--max-peers N] [--key K] [--hold]}: creates a channel, prints
 * its id and port, and keeps running, because a channel lives only while its creator's control
 * connection is open. Ends (deleting the channel) at the end of standard input unless
 * {@code --hold}, or when killed.
 */
@Command(name = "create", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Create a channel; it lives while this runs (Ctrl-C deletes it).",
                "Prints 'channel ID on port PORT', then keeps the control connection that owns the "
                        + "channel open: Ctrl-C, or Ctrl-D (the end of input), deletes it. In the "
                        + "background, where input is often empty, use --hold."})
final class CreateCommand implements Callable<Integer> {
    @ParentCommand
    ChanmuxCli cli;

    @Option(names = "--name", paramLabel = "N", description = "A name for the channel (at most 64 characters).")
    String name;

    @Option(names = "--max-peers", paramLabel = "N", description = "Most members (default: the server's limit, 256).")
    Integer maxPeers;

    @Option(names = "--key", paramLabel = "K",
            description = "A join key: joiners must give it, and the channel is hidden from others' list.")
    String key;

    @Spec
    CommandSpec spec;

    @Option(names = "--hold", description = "Ignore the end of standard input; run until killed.")
    boolean hold;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (maxPeers != null && maxPeers < 1) {
            throw new ParameterException(spec.commandLine(), "--max-peers must be at least 1, was " + maxPeers);
        }
        PrintStream out = cli.out();
        PrintStream err = cli.err();
        SessionEnd end = new SessionEnd();
        try (ChanmuxClient client = cli.connect(new ChannelEvents(err, end))) {
            ChannelInfo channel = client.create(new CreateOptions(name, maxPeers == null ? 0 : maxPeers, key));
            out.println("channel " + channel.channel() + " on port " + channel.port() + "; keep this running, "
                    + (hold ? "Ctrl-C deletes it" : "Ctrl-C (or Ctrl-D) deletes it"));
            err.println("* join it from another terminal: ./bin/chanmux join " + channel.channel()
                    + (key != null ? " --key <key>" : "") + " --send");
            if (!hold) {
                Thread.ofVirtual().name("chanmux-cli-stdin").start(() -> end.complete(drain(cli.in())));
            }
            SessionEnd.Outcome outcome = end.await(client, cli.server());
            if (outcome.message() != null) {
                err.println(outcome.message());
            }
            if (outcome.then() == SessionEnd.Outcome.Step.LEAVE) {
                client.delete(channel.channel());
                err.println("* deleted channel " + channel.channel());
            }
            return outcome.status();
        }
    }

    /** Reads standard input to its end; what is typed is ignored. */
    private static SessionEnd.Outcome drain(InputStream in) {
        byte[] discard = new byte[4096];
        try {
            while (in.read(discard) >= 0) {
                // Only the end of input matters.
            }
        } catch (IOException e) {
            // An unreadable input ends the command like an empty one.
        }
        return SessionEnd.Outcome.inputEnded();
    }
}
