package io.chanmux.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin
    ChannelArguments target;

    @Override
    public Integer call() throws Exception {
        return new PeerSession(cli, target.channel, target.key, false, true).run();
    }
}
