package io.chanmux.cli;

import io.chanmux.protocol.control.Op;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.util.concurrent.Callable;

/** {@code chanmux list [--json]}: the channels this client may see, as a table or the raw reply. */
@Command(name = "list", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"List the channels (a table; --json for the raw reply).",
                "Channels with a key are hidden from other sessions."})
final class ListCommand implements Callable<Integer> {
    @ParentCommand
    ChanmuxCli cli;

    @Option(names = "--json", description = "Print the server's raw JSON reply.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        try (ControlExchange exchange = cli.exchange()) {
            ControlExchange.Reply reply = exchange.request(Op.LIST.wireName(), null);
            if (json) {
                cli.out().println(reply.line());
            } else {
                cli.out().print(OutputFormat.channelTable(reply.json().path("channels")));
                if (reply.json().path("channels").isEmpty()) {
                    cli.err().println("(no open channels; create one with: chanmux create --name lobby)");
                }
            }
            cli.out().flush();
            return ChanmuxCli.OK;
        }
    }
}
