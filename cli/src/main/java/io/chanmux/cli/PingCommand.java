package io.chanmux.cli;

import io.chanmux.protocol.control.Op;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code chanmux ping [--count N]}: round trips of the control {@code ping} request. */
@Command(name = "ping", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Measure the control connection's round trip time.")
final class PingCommand implements Callable<Integer> {
    @ParentCommand
    ChanmuxCli cli;

    @Spec
    CommandSpec spec;

    @Option(names = "--count", paramLabel = "N", defaultValue = "3",
            description = "Round trips to make (default: ${DEFAULT-VALUE}).")
    int count;

    @Override
    public Integer call() throws IOException {
        if (count < 1) {
            throw new ParameterException(spec.commandLine(), "--count must be at least 1, was " + count);
        }
        try (ControlExchange exchange = cli.exchange()) {
            long min = Long.MAX_VALUE;
            long max = 0;
            long total = 0;
            for (int i = 0; i < count; i++) {
                long start = System.nanoTime();
                exchange.request(Op.PING.wireName(), null);
                long rtt = System.nanoTime() - start;
                min = Math.min(min, rtt);
                max = Math.max(max, rtt);
                total += rtt;
                cli.out().println("pong from " + cli.server() + ": " + millis(rtt) + " ms");
            }
            if (count > 1) {
                cli.out().println("round trip min/avg/max = " + millis(min) + "/" + millis(total / count) + "/"
                        + millis(max) + " ms");
            }
            return ChanmuxCli.OK;
        }
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }
}
