package io.chanmux.cli;

import io.chanmux.protocol.control.Op;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.util.concurrent.Callable;

/** {@code chanmux stats [--json]}: the server's counters, one aligned {@code name value} line each. */
@Command(name = "stats", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Print the server's counters, one per line.",
                "docs/protocol.md explains each; nested ones print as dropped.bad_token."})
final class StatsCommand implements Callable<Integer> {
    @ParentCommand
    ChanmuxCli cli;

    @Option(names = "--json", description = "Print the server's raw JSON reply.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        try (ControlExchange exchange = cli.exchange()) {
            ControlExchange.Reply reply = exchange.request(Op.STATS.wireName(), null);
            cli.out().print(json ? reply.line() + "\n" : OutputFormat.keyValues(reply.json()));
            cli.out().flush();
            return ChanmuxCli.OK;
        }
    }
}
