package io.chanmux.loadtest;

import io.chanmux.loadtest.report.CapacityResult;
import io.chanmux.loadtest.report.HtmlReport;
import io.chanmux.loadtest.report.JsonReport;
import io.chanmux.loadtest.report.LoadTestResult;
import io.chanmux.loadtest.report.SummaryReport;
import io.chanmux.loadtest.report.SweepHtmlReport;
import io.chanmux.loadtest.report.SweepJsonReport;
import io.chanmux.loadtest.report.SweepResult;
import io.chanmux.loadtest.report.SweepTable;
import io.chanmux.loadtest.report.Verdict;
import io.chanmux.protocol.client.ClientTls;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * The {@code java -jar chanmux-loadtest.jar} entry point: parses the command line into a
 * {@link LoadTestConfig} (a {@link Scenario} first, explicit options over it), runs a
 * {@link LoadTest} (or, with {@code --sweep}, a {@link RateSweep}), prints the summary and writes
 * the reports. {@link #run} returns the exit
 * status, so tests call it without exiting.
 */
@Command(name = "chanmux-loadtest", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        versionProvider = LoadTestMain.Version.class,
        description = "Load test for a chanmux relay: thousands of real peers, each with its own control session and "
                + "UDP socket, send sequenced, timestamped DATA at an open-loop rate; every copy is verified, and "
                + "loss, duplicates, reordering, corruption and one-way latency are reported.",
        footer = {"",
                "Exit status: 0 passed; 1 an integrity check failed (echo, corruption, duplicate), loss above "
                        + "--max-loss, a peer could not connect, or the load generator was the bottleneck (without "
                        + "--allow-generator-bound); 2 bad options; 3 the run could not take place "
                        + "(open-files limit, server unreachable, channels refused).",
                "With --sweep: 0 every step ran (loss above --max-loss marks the knee, it does not fail the sweep); "
                        + "1 an integrity check failed at some step, or the load generator was the bottleneck at a "
                        + "step up to the knee, or at any step when there is no knee (without "
                        + "--allow-generator-bound); 3 a step could not take place (the steps before it are still "
                        + "reported).",
                "With --peers-per-socket (capacity test): 0 every channel and peer was held to the end; 1 one was "
                        + "missing, or the load generator's CPU was at its limit while it created the channels or "
                        + "joined the peers (without --allow-generator-bound); 3 the run could not take place.",
                "",
                "The server needs one UDP port per channel. Its default range 40000-40999 holds 1000 channels: for "
                        + "more, start it with e.g. --udp-ports 20000-29999. --embedded picks a wide enough range itself.",
                "Each peer holds two file descriptors (TCP + UDP); raise the limit with `ulimit -n 20000` for thousands."})
public final class LoadTestMain implements Callable<Integer> {
    /** The run passed. */
    public static final int EXIT_PASSED = 0;
    /** A check failed. */
    public static final int EXIT_FAILED = Verdict.FAILED;
    /** Bad options. */
    public static final int EXIT_USAGE = 2;
    /** The run could not take place. */
    public static final int EXIT_ABORTED = 3;

    private static final Pattern RAMP_RATE = Pattern.compile("\\d+(\\.\\d+)?(/s)?");

    @Option(names = "--server", paramLabel = "HOST:PORT", description = "Control address of a running server.")
    String server;

    @Option(names = "--embedded", description = "Start a server inside this JVM on 127.0.0.1 (control port 0, "
            + "a UDP range wide enough for --channels).")
    boolean embedded;

    @Option(names = "--scenario", paramLabel = "NAME", description = "Start from a preset (see --list-scenarios); "
            + "explicit options override its values.")
    String scenario;

    @Option(names = "--list-scenarios", description = "List the presets and exit.")
    boolean listScenarios;

    @Option(names = "--channels", paramLabel = "N", description = "Channels to create (default: 100).")
    Integer channels;

    @Option(names = "--peers-per-channel", paramLabel = "K", description = "Peers per channel (default: 4).")
    Integer peersPerChannel;

    @Option(names = "--senders-per-channel", paramLabel = "S", description = "Sending peers per channel; the others "
            + "only listen (default: all).")
    Integer sendersPerChannel;

    @Option(names = "--rate", paramLabel = "R|max", description = "DATA datagrams per second offered by all senders "
            + "together, split evenly; 'max' sends as fast as possible (default: 5 per sender).")
    String rate;

    @Option(names = "--sweep", paramLabel = "RATES", description = "Find the knee: run once per total rate, "
            + "e.g. 2000,5000,10000 (increasing), each a fresh run with --warmup and --duration; print a table with a "
            + "row per rate and mark the first whose loss exceeds --max-loss. --json and --html then describe the "
            + "sweep. Replaces --rate.")
    String sweep;

    @Option(names = "--payload", paramLabel = "BYTES", description = "DATA body bytes after the 5-byte header, at "
            + "least 24 (default: 64).")
    Integer payload;

    @Option(names = "--duration", paramLabel = "DURATION", description = "Measured window, e.g. 20 or 20s "
            + "(default: 10s).")
    String duration;

    @Option(names = "--warmup", paramLabel = "DURATION", description = "Traffic before the measured window "
            + "(default: 2s).")
    String warmup;

    @Option(names = "--ramp", paramLabel = "N|DURATION", description = "Peers started per second (e.g. 500), or a "
            + "duration over which all start (e.g. 20s) (default: 500).")
    String ramp;

    @Option(names = "--drain", paramLabel = "DURATION", description = "Longest wait for late datagrams after "
            + "sending stops; it ends sooner once every copy arrived or none arrived for 1 s; later ones count as "
            + "lost (default: 10s).")
    String drain;

    @Option(names = "--json", paramLabel = "FILE", description = "Write every figure, the settings and the time "
            + "series as JSON.")
    Path json;

    @Option(names = "--html", paramLabel = "FILE", description = "Write a self-contained HTML report with charts.")
    Path html;

    @Option(names = "--max-loss", paramLabel = "PERCENT", description = "Most loss that passes (default: 0.1).")
    Double maxLoss;

    @Option(names = "--allow-generator-bound", description = "Let a run pass although the load generator was the "
            + "bottleneck (its CPU at 90 %% or more of its cores, or its scheduler lag p99 above 10 ms; in a capacity "
            + "test its CPU while the channels are created and the peers join); the reports still say so first.")
    boolean allowGeneratorBound;

    @Option(names = "--server-pid", paramLabel = "PID", description = "The server's pid, for CPU and memory from "
            + "/proc (with --embedded, this process).")
    Long serverPid;

    @Option(names = "--join-concurrency", paramLabel = "N", description = "Most peer joins in flight (default: 64).")
    Integer joinConcurrency;

    @Option(names = "--keepalive", paramLabel = "DURATION", description = "An idle peer PINGs this often; the server "
            + "evicts peers silent for 30 s (default: 2s).")
    String keepalive;

    @Option(names = "--peer-rcvbuf", paramLabel = "BYTES", description = "SO_RCVBUF of each peer's UDP socket, 0 for "
            + "the system default (default: 1048576).")
    Integer peerReceiveBuffer;

    @Option(names = "--tls", description = "Connect every control session with TLS, checking the server's certificate "
            + "against the JVM's default trust store and the --server host.")
    boolean tls;

    @Option(names = "--tls-insecure", description = "Connect with TLS and trust any certificate (a self-signed "
            + "server): encrypted, but not authenticated.")
    boolean tlsInsecure;
    @Option(names = "--peers-per-socket", paramLabel = "M", description = "Capacity test when above 1: one control "
            + "session and one UDP socket carry M peers, each of another channel, and one owner session creates M "
            + "channels; peers only keep alive (no DATA) for --duration. Reports create and join rates, the server's "
            + "resident memory per channel and per peer, and keepalive health. Start the server with --udp-port for "
            + "more channels than ports, and limits that let it through (see docs/benchmarks.md) (default: 1).")
    Integer peersPerSocket;

    private final PrintStream out;
    private final PrintStream err;

    private LoadTestMain(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Runs the load test; exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the load test, printing to the console; returns the exit status. */
    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    /** Runs the load test, printing to {@code out} and {@code err}; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        quietEmbeddedServerLogs();
        CommandLine commandLine = new CommandLine(new LoadTestMain(out, err));
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setParameterExceptionHandler((e, parsed) -> {
            err.println("chanmux-loadtest: " + e.getMessage());
            err.println("Try --help for the options.");
            return EXIT_USAGE;
        });
        return commandLine.execute(args);
    }

    @Override
    public Integer call() throws InterruptedException {
        Scenarios scenarios = Scenarios.bundled();
        if (listScenarios) {
            for (Scenario s : scenarios.all()) {
                out.printf(Locale.ROOT, "%-14s %s%n", s.name(), s.description());
            }
            return EXIT_PASSED;
        }
        LoadTestConfig config;
        try {
            config = toConfig(scenarios);
        } catch (IllegalArgumentException e) {
            err.println("chanmux-loadtest: " + e.getMessage());
            err.println("Try --help for the options.");
            return EXIT_USAGE;
        }
        if (tlsInsecure) {
            err.println("chanmux-loadtest: warning: --tls-insecure: the server's certificate is not checked");
        }
        if (config.isSweep()) {
            return runSweep(config);
        }
        if (config.isCapacityTest()) {
            return runCapacity(config);
        }
        LoadTestResult result;
        try {
            result = new LoadTest(config, out).run();
        } catch (LoadTestException e) {
            err.println("chanmux-loadtest: " + e.getMessage());
            return EXIT_ABORTED;
        }
        out.println();
        out.print(SummaryReport.render(result));
        if (!writeReports(config, file -> JsonReport.write(result, file, io.chanmux.server.base.Version.VERSION),
                file -> HtmlReport.write(result, file))) {
            return EXIT_ABORTED;
        }
        return result.verdict().exitStatus();
    }

    private int runCapacity(LoadTestConfig config) throws InterruptedException {
        CapacityResult result;
        try {
            result = new CapacityRun(config, out).run();
        } catch (LoadTestException e) {
            err.println("chanmux-loadtest: " + e.getMessage());
            return EXIT_ABORTED;
        }
        out.println();
        out.print(result.render());
        if (!writeReports(config, result::writeJson, file -> {
            throw new IOException("a capacity test writes no HTML report; use --json");
        })) {
            return EXIT_ABORTED;
        }
        return result.exitStatus();
    }

    private int runSweep(LoadTestConfig config) throws InterruptedException {
        SweepResult result;
        try {
            result = new RateSweep(config, out).run();
        } catch (LoadTestException e) {
            err.println("chanmux-loadtest: " + e.getMessage());
            return EXIT_ABORTED;
        }
        out.println();
        out.print(SweepTable.render(result));
        if (!writeReports(config, file -> SweepJsonReport.write(result, file, io.chanmux.server.base.Version.VERSION),
                file -> SweepHtmlReport.write(result, file))) {
            return EXIT_ABORTED;
        }
        if (!result.completed()) {
            err.println("chanmux-loadtest: the sweep stopped early: " + result.abortedReason());
            return EXIT_ABORTED;
        }
        return result.exitStatus();
    }

    /** Parses {@code args} into the settings without running anything (for tests). */
    static LoadTestConfig parseConfig(String... args) {
        LoadTestMain main = new LoadTestMain(System.out, System.err);
        new CommandLine(main).parseArgs(args);
        return main.toConfig(Scenarios.bundled());
    }

    /** The settings: defaults, then the scenario, then every option given. */
    LoadTestConfig toConfig(Scenarios scenarios) {
        LoadTestConfig.Builder builder = LoadTestConfig.builder();
        if (scenario != null) {
            Scenario preset = scenarios.find(scenario).orElseThrow(() -> new IllegalArgumentException(
                    "--scenario: no scenario '" + scenario + "'; known: "
                            + scenarios.all().stream().map(Scenario::name).toList()));
            builder.apply(preset);
        }
        builder.embedded(embedded);
        if (server != null) {
            builder.server(LoadTestConfig.parseServer(server));
        }
        if (channels != null) {
            builder.channels(channels);
        }
        if (peersPerChannel != null) {
            builder.peersPerChannel(peersPerChannel);
        }
        if (sendersPerChannel != null) {
            builder.sendersPerChannel(sendersPerChannel);
        }
        if (rate != null) {
            builder.ratePerSecond(LoadTestConfig.parseRate(rate));
        }
        if (sweep != null) {
            if (rate != null) {
                throw new IllegalArgumentException("--sweep: give either --rate or --sweep, not both (the sweep's "
                        + "rates replace --rate)");
            }
            builder.sweepRates(LoadTestConfig.parseSweep(sweep));
        }
        if (payload != null) {
            builder.payloadBytes(payload);
        }
        if (duration != null) {
            builder.duration(LoadTestConfig.parseDuration("--duration", duration));
        }
        if (warmup != null) {
            builder.warmup(LoadTestConfig.parseDuration("--warmup", warmup));
        }
        if (ramp != null) {
            String text = ramp.trim().toLowerCase(Locale.ROOT);
            if (RAMP_RATE.matcher(text).matches()) {
                builder.rampPeersPerSecond(Double.parseDouble(text.replace("/s", "")));
            } else {
                builder.rampDuration(LoadTestConfig.parseDuration("--ramp", ramp));
            }
        }
        if (drain != null) {
            builder.maxDrain(LoadTestConfig.parseDuration("--drain", drain));
        }
        builder.jsonFile(json).htmlFile(html);
        if (maxLoss != null) {
            builder.maxLossPercent(maxLoss);
        }
        builder.allowGeneratorBound(allowGeneratorBound);
        if (serverPid != null) {
            builder.serverPid(serverPid);
        }
        if (joinConcurrency != null) {
            builder.joinConcurrency(joinConcurrency);
        }
        if (keepalive != null) {
            builder.keepalive(LoadTestConfig.parseDuration("--keepalive", keepalive));
        }
        if (peerReceiveBuffer != null) {
            builder.peerReceiveBufferBytes(peerReceiveBuffer);
        }
        builder.tls(clientTls());
        if (peersPerSocket != null) {
            builder.peersPerSocket(peersPerSocket);
        }
        return builder.build();
    }

    /** What {@code --tls} or {@code --tls-insecure} asks for, or null for plain TCP. */
    private ClientTls clientTls() {
        if (tls && tlsInsecure) {
            throw new IllegalArgumentException("give --tls or --tls-insecure, not both");
        }
        if (tlsInsecure) {
            return ClientTls.insecureTrustAnything();
        }
        try {
            return tls ? ClientTls.systemTrust() : null;
        } catch (IOException e) {
            throw new IllegalArgumentException("--tls: " + e.getMessage());
        }
    }

    /**
     * The embedded server logs every channel it creates; with thousands that drowns the progress
     * lines. Keep its warnings, unless the user chose a level.
     */
    private static void quietEmbeddedServerLogs() {
        String key = "chanmux.log.level.io.chanmux.server";
        if (System.getProperty(key) == null) {
            System.setProperty(key, "warn");
        }
    }

    /** Reports the build's version for {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"chanmux-loadtest " + io.chanmux.server.base.Version.VERSION};
        }
    }

    /** Writes the JSON and HTML reports the options ask for; false (after saying why) when one fails. */
    private boolean writeReports(LoadTestConfig config, ReportWriter json, ReportWriter html) {
        try {
            if (config.jsonFile() != null) {
                json.write(config.jsonFile());
                out.println("JSON report: " + config.jsonFile());
            }
            if (config.htmlFile() != null) {
                html.write(config.htmlFile());
                out.println("HTML report: " + config.htmlFile());
            }
            return true;
        } catch (IOException e) {
            err.println("chanmux-loadtest: cannot write a report: " + e);
            return false;
        }
    }

    /** Writes one report to a file. */
    @FunctionalInterface
    private interface ReportWriter {
        void write(Path file) throws IOException;
    }
}
