package io.chanmux.server;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code java -jar} entry point: parses the command line into a {@link ServerConfig}, sizes the
 * virtual-thread scheduler to the pool count, starts the server and waits; SIGTERM (or Ctrl-C)
 * closes it. {@link #run} returns the exit status, so tests can call it without exiting.
 */
@Command(name = "chanmux-server", mixinStandardHelpOptions = true, versionProvider = ServerMain.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "UDP channel relay: peers join a channel over TCP and every datagram one sends to the "
                + "channel's UDP port is forwarded to all the others.")
public final class ServerMain implements Callable<Integer> {
    private static final String SCHEDULER_PARALLELISM = "jdk.virtualThreadScheduler.parallelism";
    private static final String DEFAULT_UDP_PORTS = "40000-40999";

    @Option(names = ConfigSources.CONFIG_OPTION, paramLabel = "FILE",
            description = "JSON file of settings named like the options, e.g. {\"peer-timeout\": \"30s\"}. "
                    + "Flags win over environment variables (CHANMUX_PEER_TIMEOUT), which win over the file.")
    String configFile;

    @Option(names = "--control-port", paramLabel = "PORT", defaultValue = "7700",
            description = "TCP control port; 0 picks a free port (default: ${DEFAULT-VALUE}).")
    int controlPort;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "0.0.0.0",
            description = "Address for the control port and every channel port (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--udp-ports", paramLabel = "LOW-HIGH",
            description = "UDP port range for channels, one port each (default: " + DEFAULT_UDP_PORTS
                    + " unless --udp-port is given).")
    String udpPorts;

    @Option(names = "--udp-port", paramLabel = "PORT",
            description = "One UDP port for every channel instead of a port each; 0 picks a free one. Excludes "
                    + "--udp-ports (default: a port per channel).")
    Integer udpPort;

    @Option(names = "--pools", paramLabel = "N",
            description = "Channel pools and virtual-thread carrier threads (default: cores - 1, at least 1; here "
                    + "${sys:chanmux.defaultPools}).")
    Integer pools;

    @Option(names = "--peer-timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "Evict a bound peer silent this long (default: ${DEFAULT-VALUE}).")
    String peerTimeout;

    @Option(names = "--bind-timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "Evict a joined peer that has not bound within this (default: ${DEFAULT-VALUE}).")
    String bindTimeout;

    @Option(names = "--max-datagram", paramLabel = "BYTES", defaultValue = "1500",
            description = "Drop datagrams longer than this (default: ${DEFAULT-VALUE}).")
    int maxDatagram;

    @Option(names = "--max-peers", paramLabel = "N", defaultValue = "256",
            description = "Most peers a channel may have (default: ${DEFAULT-VALUE}).")
    int maxPeers;

    @Option(names = "--udp-rcvbuf", paramLabel = "BYTES", defaultValue = "0",
            description = "SO_RCVBUF of channel sockets; 0 keeps the system default (default: ${DEFAULT-VALUE}).")
    int udpReceiveBuffer;

    @Option(names = "--max-sessions", paramLabel = "N", defaultValue = "10000",
            description = "Most control connections at once; more get a 'limit' error and are closed "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxSessions;

    @Option(names = "--max-sessions-per-address", paramLabel = "N", defaultValue = "0",
            description = "Most control connections from one IP address at once; more get a 'limit' error and are "
                    + "closed; 0 for no limit (default: ${DEFAULT-VALUE}).")
    int maxSessionsPerAddress;

    @Option(names = "--max-channels", paramLabel = "N", defaultValue = "10000",
            description = "Most channels at once, server-wide (default: ${DEFAULT-VALUE}).")
    int maxChannels;

    @Option(names = "--max-channels-per-session", paramLabel = "N", defaultValue = "16",
            description = "Most channels one control connection may own (default: ${DEFAULT-VALUE}).")
    int maxChannelsPerSession;

    @Option(names = "--request-rate", paramLabel = "N", defaultValue = "100",
            description = "Requests per second per control connection, burst twice that; more are answered "
                    + "'limit' (default: ${DEFAULT-VALUE}).")
    int requestRate;

    @Option(names = "--line-timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "Close a connection whose first line, or any started line, takes longer "
                    + "(default: ${DEFAULT-VALUE}).")
    String lineTimeout;

    @Option(names = "--write-timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "Close a connection that does not take our output for this long (default: ${DEFAULT-VALUE}).")
    String writeTimeout;

    @Option(names = "--peer-rate-pps", paramLabel = "N", defaultValue = "500",
            description = "Datagrams per second one peer may send; excess is dropped (default: ${DEFAULT-VALUE}).")
    int peerRatePackets;

    @Option(names = "--peer-rate-bytes", paramLabel = "BYTES", defaultValue = "1000000",
            description = "Bytes per second one peer may send; excess is dropped (default: ${DEFAULT-VALUE}).")
    int peerRateBytes;

    @Option(names = "--secret", paramLabel = "SECRET",
            description = "Require 'hello' to authenticate with this secret, or with an HMAC credential "
                    + "derived from it (default: none).")
    String secret;

    @Option(names = "--admin-secret", paramLabel = "SECRET",
            description = "Unlock the admin ops (channels, peers, kick, close, drain) for sessions whose 'hello' "
                    + "carries it as 'admin' (default: none, admin ops refused).")
    String adminSecret;

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "9700",
            description = "HTTP port for /metrics (Prometheus) and /healthz; 0 picks a free port, -1 turns it off "
                    + "(default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "On SIGTERM or the admin 'drain' op: stop taking new sessions and channels, then exit when "
                    + "channels are empty or after this long (default: ${DEFAULT-VALUE}; 0s exits at once).")
    String drainTimeout;

    @Option(names = "--summary-interval", paramLabel = "DURATION", defaultValue = "60s",
            description = "How often one log line sums up the counters (default: ${DEFAULT-VALUE}).")
    String summaryInterval;

    /** Runs the server until it is stopped; exits with the status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Parses {@code args} and runs the server; returns the exit status (2 for bad options). */
    public static int run(String[] args) {
        return run(args, System.getenv());
    }

    static int run(String[] args, Map<String, String> environment) {
        CommandLine cmd;
        try {
            cmd = commandLine(args, environment);
        } catch (IllegalArgumentException e) {
            System.err.println("chanmux-server: " + e.getMessage());
            return 2;
        }
        return cmd.setExecutionExceptionHandler((e, failed, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                failed.getErr().println("chanmux-server: " + e.getMessage());
                return 2;
            }
            throw e;
        }).execute(args);
    }

    /** The command line with its environment and config-file sources attached. */
    static CommandLine commandLine(String[] args, Map<String, String> environment) {
        System.setProperty("chanmux.defaultPools", String.valueOf(ServerConfig.defaultPools()));
        ConfigSources sources = ConfigSources.from(args, environment);
        CommandLine cmd = new CommandLine(new ServerMain()).setDefaultValueProvider(sources);
        List<String> unknown = sources.unknownFileKeys(Set.copyOf(cmd.getCommandSpec().optionsMap().keySet()));
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("--config: unknown settings " + unknown);
        }
        return cmd;
    }

    @Override
    public Integer call() throws Exception {
        ServerConfig config = toConfig();
        if (System.getProperty(SCHEDULER_PARALLELISM) == null) {
            // Read once, when the first virtual thread starts; nothing before this line starts one.
            System.setProperty(SCHEDULER_PARALLELISM, String.valueOf(config.pools()));
        }
        ChanmuxServer server = ChanmuxServer.start(config);
        Thread hook = new Thread(server::drainAndClose, "chanmux-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        server.awaitTermination();
        return server.failedUnexpectedly() ? 1 : 0;
    }

    ServerConfig toConfig() {
        if (udpPort != null && udpPorts != null) {
            throw new IllegalArgumentException("--udp-port " + udpPort + " and --udp-ports " + udpPorts
                    + " exclude each other: give one port for every channel, or a range with a port per channel");
        }
        int[] range = parsePortRange(udpPorts != null ? udpPorts : DEFAULT_UDP_PORTS);
        return ServerConfig.builder()
                .bindAddress(parseAddress(bind))
                .controlPort(controlPort)
                .udpPorts(range[0], range[1])
                .udpPort(udpPort != null ? udpPort : -1)
                .pools(pools != null ? pools : ServerConfig.defaultPools())
                .peerTimeout(parseDuration("--peer-timeout", peerTimeout))
                .bindTimeout(parseDuration("--bind-timeout", bindTimeout))
                .maxDatagramBytes(maxDatagram)
                .maxPeersPerChannel(maxPeers)
                .udpReceiveBufferBytes(udpReceiveBuffer)
                .maxSessions(maxSessions)
                .maxSessionsPerAddress(maxSessionsPerAddress)
                .maxChannels(maxChannels)
                .maxChannelsPerSession(maxChannelsPerSession)
                .requestsPerSecond(requestRate)
                .lineTimeout(parseDuration("--line-timeout", lineTimeout))
                .writeTimeout(parseDuration("--write-timeout", writeTimeout))
                .peerPacketsPerSecond(peerRatePackets)
                .peerBytesPerSecond(peerRateBytes)
                .secret(secret)
                .adminSecret(adminSecret)
                .metricsPort(metricsPort)
                .drainTimeout(parseDuration("--drain-timeout", drainTimeout))
                .summaryInterval(parseDuration("--summary-interval", summaryInterval))
                .build();
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
    private static final Pattern PORT_RANGE = Pattern.compile("(\\d{1,5})-(\\d{1,5})");

    /** Parses {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h}, or ISO-8601 such as {@code PT30S}. */
    static Duration parseDuration(String option, String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long amount = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
        }
        try {
            return Duration.parse(text.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(option + ": '" + text + "' is not a duration such as 30s, 500ms or 2m");
        }
    }

    private static int[] parsePortRange(String text) {
        Matcher m = PORT_RANGE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("--udp-ports: '" + text + "' is not a range such as 40000-40999");
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    private static InetAddress parseAddress(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--bind: '" + text + "' is not an address of this host");
        }
    }

    /** Reports the build's version for {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"chanmux-server " + io.chanmux.server.base.Version.VERSION};
        }
    }
}
