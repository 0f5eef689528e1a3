package io.chanmux.loadtest;

import io.chanmux.loadtest.probe.ServerProbe;
import io.chanmux.server.config.Settings;

import java.util.Locale;

/**
 * How many file descriptors a run needs, checked against the process's open-files limit before
 * anything connects, so a run that cannot fit fails at once with the fix instead of half-way
 * with "Too many open files".
 *
 * <p>Every peer holds a TCP control connection and a UDP socket, and every channel an owner's
 * control connection; in a capacity test one connection and one socket carry {@code
 * --peers-per-socket} peers, and one owner connection as many channels. With {@code --embedded}
 * the server's side of each connection and each channel's UDP port (or the shared port) are in
 * this process too.
 *
 * @param controlConnections   TCP connections the load generator opens (for the peers and the channels' owners)
 * @param udpSockets           the peers' UDP sockets
 * @param embeddedServerFiles  the embedded server's accepted connections, channel ports and listener; 0 otherwise
 * @param alreadyOpen          descriptors open before the run (jars, the JVM's own)
 * @param margin               room for everything else
 */
public record FileDescriptorBudget(long controlConnections, long udpSockets, long embeddedServerFiles,
                                   long alreadyOpen, long margin) {
    /** Room left for pollers, log files and the odd extra socket. */
    public static final long MARGIN = 256;

    /** The budget of {@code config}, given what is open now. */
    public static FileDescriptorBudget of(LoadTestConfig config, long alreadyOpen) {
        long sockets = config.peerSockets();
        long connections = sockets + config.ownerSessions(); // the stats session owns channel 0
        long channelPorts = config.isCapacityTest() ? Settings.POOLS.defaultValue() : config.channels();
        long server = config.embedded() ? connections + channelPorts + 1 : 0;
        return new FileDescriptorBudget(connections, sockets, server, Math.max(0, alreadyOpen), MARGIN);
    }

    /**
     * Checks {@code config}'s budget against this process's open-files limit.
     *
     * @throws LoadTestException saying how to raise the limit when the run does not fit
     */
    public static void check(LoadTestConfig config) throws LoadTestException {
        ServerProbe.OpenFilesLimit limit = ServerProbe.openFilesLimit();
        if (limit == null) {
            return; // not Linux: nothing to check against
        }
        String problem = of(config, ServerProbe.openFileCount()).problem(limit.soft(), limit.hard());
        if (problem != null) {
            throw new LoadTestException(problem);
        }
    }

    /** Descriptors the run needs in all. */
    public long required() {
        return controlConnections + udpSockets + embeddedServerFiles + alreadyOpen + margin;
    }

    /**
     * Checks the budget against the limits.
     *
     * @return null when it fits, else a message that says how to raise the limit
     */
    public String problem(long softLimit, long hardLimit) {
        if (required() <= softLimit) {
            return null;
        }
        String needs = String.format(Locale.ROOT, "this run needs about %,d open files (%,d control connections, %,d UDP "
                        + "sockets%s, %,d already open, %,d spare) but this process may open only %,d.",
                required(), controlConnections, udpSockets,
                embeddedServerFiles > 0 ? String.format(Locale.ROOT, ", %,d for the embedded server", embeddedServerFiles) : "",
                alreadyOpen, margin, softLimit);
        long suggestion = Math.max(required() + 1000, 20_000);
        if (required() <= hardLimit) {
            return needs + String.format(Locale.ROOT, " Raise the limit in the shell that starts the load test, e.g. "
                    + "`ulimit -n %d` (the hard limit here is %s), or run fewer peers.", Math.min(suggestion, hardLimit),
                    hardLimit == Long.MAX_VALUE ? "unlimited" : Long.toString(hardLimit));
        }
        return needs + String.format(Locale.ROOT, " Even the hard limit (%d) is too low: raise it as root (e.g. "
                + "`ulimit -Hn %d && ulimit -n %d`, or /etc/security/limits.conf), or run fewer peers.",
                hardLimit, suggestion, suggestion);
    }
}
