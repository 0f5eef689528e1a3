package io.chanmux.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.chanmux.protocol.control.Op;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.util.concurrent.Callable;

/** {@code chanmux nodes [--json]}: the cluster's live nodes and their load, as a table or the raw reply. */
@Command(name = "nodes", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"List the cluster's live nodes with their load (a table; --json for the raw reply).",
                "A server without --cluster lists itself alone. '*' marks the node this command asked."})
final class NodesCommand implements Callable<Integer> {
    @ParentCommand
    ChanmuxCli cli;

    @Option(names = "--json", description = "Print the server's raw JSON reply.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        try (ControlExchange exchange = cli.exchange()) {
            ControlExchange.Reply reply = exchange.request(Op.NODES.wireName(), null);
            if (json) {
                cli.out().println(reply.line());
            } else {
                cli.out().print(OutputFormat.nodeTable(reply.json().path("nodes")));
                JsonNode redis = reply.json().path("redis");
                if ("down".equals(redis.asText())) {
                    cli.err().println("(this node cannot reach the cluster's Redis: it lists itself alone)");
                }
            }
            cli.out().flush();
            return ChanmuxCli.OK;
        }
    }
}
