package io.chanmux.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/**
 * {@code chanmux send CHANNEL [--key K]}: joins and binds, sends each line of standard input as one
 * DATA datagram, waits until the server has forwarded them, and leaves at the end of input. What
 * others send is discarded. See {@link PeerSession}.
 */
@Command(name = "send", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Send each line of standard input to a channel, then leave.",
                "Joins, sends each line as one datagram, waits until the server has forwarded them, and "
                        + "leaves at the end of input. Example: echo hello | chanmux send 6ff760bd247d1700"})
final class SendCommand implements Callable<Integer> {
    @ParentCommand
    ChanmuxCli cli;

    @Parameters(index = "0", paramLabel = "CHANNEL", description = "The channel id (16 hex characters).")
    String channel;

    @Option(names = "--key", paramLabel = "K", description = "The channel's join key, if it has one.")
    String key;

    @Override
    public Integer call() throws Exception {
        return new PeerSession(cli, channel, key, false, true).run();
    }
}
