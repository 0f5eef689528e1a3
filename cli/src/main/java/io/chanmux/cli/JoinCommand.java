package io.chanmux.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/**
 * {@code chanmux join CHANNEL [--key K] [--send]}: joins and binds, prints every received datagram
 * on stdout as {@code [peer 17] text} and events on stderr; with {@code --send}, also sends each
 * line of standard input. See {@link PeerSession}.
 */
@Command(name = "join", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Join a channel and print what the others send (with --send: chat).",
                "Each datagram received is one line on stdout: '[peer 17] text' (the payload as UTF-8 "
                        + "text when printable, else 0x-hex). Events ('* peer 18 joined') go to stderr. "
                        + "A PING every 5 s keeps the peer alive.",
                "With --send, each line typed (standard input) is sent too. Ctrl-D leaves."},
        footer = "Ends with status 0 when the channel is deleted or (with --send) the input ends; "
                + "3 when the connection is lost or the server evicts this peer.")
final class JoinCommand implements Callable<Integer> {
    @ParentCommand
    ChanmuxCli cli;

    @Mixin
    ChannelArguments target;

    @Option(names = "--send", description = "Also send each line of standard input as one datagram.")
    boolean send;

    @Override
    public Integer call() throws Exception {
        return new PeerSession(cli, target.channel, target.key, true, send).run();
    }
}
