package io.chanmux.loadtest;

import io.chanmux.protocol.client.ClientTls;
import io.chanmux.protocol.wire.HostPort;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every load-test setting, validated once. Each component has a command-line option of the same
 * meaning (see {@link LoadTestMain}); {@link #builder()} starts from the defaults, a
 * {@link Scenario} may replace some of them, and explicit options win over both.
 *
 * @param server                 the server's control address ({@code --server}); null with {@code --embedded}
 * @param embedded               start a server inside this JVM on 127.0.0.1 ({@code --embedded})
 * @param scenario               the preset the settings started from ({@code --scenario}), or null
 * @param channels               channels to create ({@code --channels})
 * @param peersPerChannel        peers that join each channel ({@code --peers-per-channel})
 * @param sendersPerChannel      of those, how many send DATA; the others only listen ({@code --senders-per-channel})
 * @param ratePerSecond          DATA datagrams per second offered by all senders together ({@code --rate});
 *                               {@link Double#POSITIVE_INFINITY} for {@code max}
 * @param payloadBytes           DATA body bytes after the 5-byte chanmux header ({@code --payload})
 * @param duration               the measured window ({@code --duration})
 * @param warmup                 traffic before the measured window, not counted ({@code --warmup})
 * @param rampPeersPerSecond     peers started per second while connecting ({@code --ramp})
 * @param maxDrain               the longest wait for late datagrams after sending stops ({@code --drain})
 * @param jsonFile               where to write the JSON report ({@code --json}), or null
 * @param htmlFile               where to write the HTML report ({@code --html}), or null
 * @param maxLossPercent         the most loss, in percent of expected copies, that still passes ({@code --max-loss})
 * @param allowGeneratorBound    whether a run whose load generator was the bottleneck may still pass
 *                               ({@code --allow-generator-bound}); see {@code GeneratorCheck}
 * @param serverPid              the server's pid for CPU and memory figures ({@code --server-pid}), or -1;
 *                               this JVM's pid with {@code --embedded}
 * @param joinConcurrency        the most peer connects outstanding at once ({@code --join-concurrency})
 * @param keepalive              how often a peer with nothing to send PINGs ({@code --keepalive})
 * @param peerReceiveBufferBytes SO_RCVBUF of each peer's UDP socket, 0 for the system default ({@code --peer-rcvbuf})
 * @param sweepRates             total rates to measure one after the other ({@code --sweep}), strictly increasing;
 *                               empty for a single run at {@code ratePerSecond}. In a sweep, {@code ratePerSecond}
 *                               is the first of them and each step runs with {@link #withRate}
 * @param tls                    how every control session checks a TLS control port ({@code --tls},
 *                               {@code --tls-insecure}), or null for plain TCP
 * @param peersPerSocket         peers, each of another channel, that one control session and one UDP socket carry
 *                               ({@code --peers-per-socket}); above 1 the run is a capacity test ({@link CapacityRun}):
 *                               channels are created as many per owner session, and peers only keep alive
 */
public record LoadTestConfig(
        InetSocketAddress server,
        boolean embedded,
        String scenario,
        int channels,
        int peersPerChannel,
        int sendersPerChannel,
        double ratePerSecond,
        int payloadBytes,
        Duration duration,
        Duration warmup,
        double rampPeersPerSecond,
        Duration maxDrain,
        Path jsonFile,
        Path htmlFile,
        double maxLossPercent,
        boolean allowGeneratorBound,
        long serverPid,
        int joinConcurrency,
        Duration keepalive,
        int peerReceiveBufferBytes,
        List<Double> sweepRates,
        ClientTls tls,
        int peersPerSocket) {

    /** The smallest payload: the load test's own header (sender, sequence, send time, check). */
    public static final int MIN_PAYLOAD_BYTES = 24;
    /** The largest payload that fits a UDP datagram with the chanmux header. */
    public static final int MAX_PAYLOAD_BYTES = 65_507 - 5;
    /** The most steps a sweep may have. */
    public static final int MAX_SWEEP_STEPS = 50;
    /** The most peers one session and socket may carry in a capacity test. */
    public static final int MAX_PEERS_PER_SOCKET = 10_000;

    /** Copies the list of sweep rates (null means no sweep). */
    public LoadTestConfig {
        sweepRates = sweepRates == null ? List.of() : List.copyOf(sweepRates);
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Peers in the whole run. */
    public int totalPeers() {
        return channels * peersPerChannel;
    }

    /** Sending peers in the whole run. */
    public int totalSenders() {
        return channels * sendersPerChannel;
    }

    /** Whether this is a capacity test: sessions and sockets carry many peers, which only keep alive. */
    public boolean isCapacityTest() {
        return peersPerSocket > 1;
    }

    /** Control sessions (and UDP sockets) that carry the peers: one per {@link #peersPerSocket} peers of distinct channels. */
    public int peerSockets() {
        return peersPerChannel * Math.ceilDiv(channels, peersPerSocket);
    }

    /** Sessions that own the channels: one per {@link #peersPerSocket} channels. */
    public int ownerSessions() {
        return Math.ceilDiv(channels, peersPerSocket);
    }

    /** Whether this is a rate sweep: one run per rate of {@link #sweepRates}. */
    public boolean isSweep() {
        return !sweepRates.isEmpty();
    }

    /** The same settings at another total rate: one step of a sweep. */
    public LoadTestConfig withRate(double rate) {
        return new LoadTestConfig(server, embedded, scenario, channels, peersPerChannel, sendersPerChannel, rate,
                payloadBytes, duration, warmup, rampPeersPerSecond, maxDrain, jsonFile, htmlFile, maxLossPercent,
                allowGeneratorBound, serverPid, joinConcurrency, keepalive, peerReceiveBufferBytes, sweepRates, tls,
                peersPerSocket).validate();
    }

    /** Whether senders send as fast as they can. */
    public boolean isMaxRate() {
        return Double.isInfinite(ratePerSecond);
    }

    /** Datagrams per second each sender offers (infinite for {@code max}). */
    public double ratePerSender() {
        return ratePerSecond / totalSenders();
    }

    /** Copies the relay should deliver per second: each datagram goes to every other peer. */
    public double expectedCopiesPerSecond() {
        return ratePerSecond * (peersPerChannel - 1);
    }

    /** The rate as the command line spells it: a number or {@code max}. */
    public String rateText() {
        return isMaxRate() ? "max" : formatNumber(ratePerSecond);
    }

    /**
     * Checks every setting.
     *
     * @throws IllegalArgumentException naming each bad setting and its value
     */
    public LoadTestConfig validate() {
        List<String> problems = new ArrayList<>();
        if (embedded == (server != null)) {
            problems.add("give exactly one of --server HOST:PORT and --embedded");
        }
        if (channels < 1 || channels > 100_000) {
            problems.add("--channels: " + channels + " is not from 1 to 100000");
        }
        if (peersPerChannel < 2 || peersPerChannel > 65_536) {
            problems.add("--peers-per-channel: " + peersPerChannel + " is not from 2 to 65536");
        }
        if (sendersPerChannel < 1 || sendersPerChannel > peersPerChannel) {
            problems.add("--senders-per-channel: " + sendersPerChannel + " is not from 1 to --peers-per-channel ("
                    + peersPerChannel + ")");
        }
        if (!(ratePerSecond > 0) || Double.isNaN(ratePerSecond)) {
            problems.add("--rate: " + ratePerSecond + " is not a positive number of datagrams per second or 'max'");
        }
        if (payloadBytes < MIN_PAYLOAD_BYTES || payloadBytes > MAX_PAYLOAD_BYTES) {
            problems.add("--payload: " + payloadBytes + " is not from " + MIN_PAYLOAD_BYTES + " (the load test's header) to "
                    + MAX_PAYLOAD_BYTES + " bytes");
        }
        checkPositive(problems, "--duration", duration);
        if (warmup == null || warmup.isNegative()) {
            problems.add("--warmup: " + warmup + " must not be negative");
        }
        if (!(rampPeersPerSecond > 0)) {
            problems.add("--ramp: " + rampPeersPerSecond + " peers per second must be positive");
        }
        checkPositive(problems, "--drain", maxDrain);
        if (!(maxLossPercent >= 0 && maxLossPercent <= 100)) {
            problems.add("--max-loss: " + maxLossPercent + " is not a percentage from 0 to 100");
        }
        if (embedded && serverPid > 0) {
            problems.add("--server-pid: not used with --embedded, where the server is this process");
        }
        if (joinConcurrency < 1 || joinConcurrency > 10_000) {
            problems.add("--join-concurrency: " + joinConcurrency + " is not from 1 to 10000");
        }
        if (keepalive == null || keepalive.compareTo(Duration.ofMillis(100)) < 0
                || keepalive.compareTo(Duration.ofSeconds(10)) > 0) {
            problems.add("--keepalive: " + keepalive + " is not from 100ms to 10s (the server evicts peers silent for 30 s)");
        }
        if (peerReceiveBufferBytes < 0) {
            problems.add("--peer-rcvbuf: " + peerReceiveBufferBytes + " is negative");
        }
        checkSweep(problems, sweepRates);
        if (embedded && tls != null) {
            problems.add("--tls, --tls-insecure: not with --embedded, whose server has no certificate; use --server");
        }
        if (peersPerSocket < 1 || peersPerSocket > MAX_PEERS_PER_SOCKET) {
            problems.add("--peers-per-socket: " + peersPerSocket + " is not from 1 to " + MAX_PEERS_PER_SOCKET);
        } else if (peersPerSocket > 1 && isSweep()) {
            problems.add("--peers-per-socket: a capacity test sends no DATA, so it cannot be a --sweep");
        } else if (peersPerSocket > 1 && htmlFile != null) {
            problems.add("--html: a capacity test writes no HTML report; use --json");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return this;
    }

    /** The settings as name/value pairs for reports, in a stable order. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("server", server == null ? null : HostPort.format(server));
        map.put("embedded", embedded);
        map.put("scenario", scenario);
        map.put("channels", channels);
        map.put("peersPerChannel", peersPerChannel);
        map.put("sendersPerChannel", sendersPerChannel);
        map.put("totalPeers", totalPeers());
        map.put("totalSenders", totalSenders());
        map.put("rate", rateText());
        map.put("ratePerSender", isMaxRate() ? "max" : ratePerSender());
        map.put("payloadBytes", payloadBytes);
        map.put("durationSeconds", seconds(duration));
        map.put("warmupSeconds", seconds(warmup));
        map.put("rampPeersPerSecond", rampPeersPerSecond);
        map.put("maxDrainSeconds", seconds(maxDrain));
        map.put("maxLossPercent", maxLossPercent);
        map.put("allowGeneratorBound", allowGeneratorBound);
        map.put("serverPid", serverPid > 0 ? serverPid : null);
        map.put("joinConcurrency", joinConcurrency);
        map.put("keepaliveSeconds", seconds(keepalive));
        map.put("peerReceiveBufferBytes", peerReceiveBufferBytes);
        map.put("sweepRates", isSweep() ? sweepRates : null);
        map.put("tls", tls == null ? "off" : tls.toString());
        map.put("peersPerSocket", peersPerSocket);
        map.put("jsonFile", jsonFile == null ? null : jsonFile.toString());
        map.put("htmlFile", htmlFile == null ? null : htmlFile.toString());
        return map;
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    private static void checkSweep(List<String> problems, List<Double> rates) {
        if (rates.size() > MAX_SWEEP_STEPS) {
            problems.add("--sweep: " + rates.size() + " rates is more than " + MAX_SWEEP_STEPS);
        }
        for (int i = 0; i < rates.size(); i++) {
            double rate = rates.get(i);
            if (!(rate > 0) || Double.isInfinite(rate)) {
                problems.add("--sweep: " + rate + " is not a positive number of datagrams per second");
            } else if (i > 0 && !(rate > rates.get(i - 1))) {
                // The knee is the first step above --max-loss, and the charts draw rate on x: both need order.
                problems.add("--sweep: the rates must increase, but " + formatNumber(rate) + " follows "
                        + formatNumber(rates.get(i - 1)));
            }
        }
    }

    private static void checkPositive(List<String> problems, String option, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            problems.add(option + ": " + value + " must be a positive duration");
        }
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");
    private static final Pattern HOST_PORT = Pattern.compile("(?:\\[(.+)]|([^:]+)):(\\d{1,5})");

    /** Parses {@code 10} (seconds), {@code 2.5s}, {@code 500ms}, {@code 2m}, {@code 1h}, or ISO-8601 such as {@code PT30S}. */
    public static Duration parseDuration(String option, String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            double amount = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            double nanos = switch (unit) {
                case "ms" -> amount * 1e6;
                case "s" -> amount * 1e9;
                case "m" -> amount * 60e9;
                default -> amount * 3600e9;
            };
            return Duration.ofNanos(Math.round(nanos));
        }
        try {
            return Duration.parse(text.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(option + ": '" + text + "' is not a duration such as 10, 10s, 500ms or 2m");
        }
    }

    /** Parses {@code max} or a positive number of datagrams per second. */
    public static double parseRate(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("max")) {
            return Double.POSITIVE_INFINITY;
        }
        try {
            double rate = Double.parseDouble(t.endsWith("/s") ? t.substring(0, t.length() - 2) : t);
            if (rate > 0 && !Double.isInfinite(rate)) {
                return rate;
            }
        } catch (NumberFormatException e) {
            // fall through to the message
        }
        throw new IllegalArgumentException("--rate: '" + text + "' is not a positive number of datagrams per second or 'max'");
    }

    /**
     * Parses {@code --sweep}: total rates separated by commas, each a positive number of datagrams
     * per second (optionally followed by {@code /s}), such as {@code 2000,5000,10000}. Order and
     * count are checked by {@link #validate}.
     */
    public static List<Double> parseSweep(String text) {
        List<Double> rates = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            String t = part.trim().toLowerCase(Locale.ROOT);
            double rate;
            try {
                rate = Double.parseDouble(t.endsWith("/s") ? t.substring(0, t.length() - 2) : t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--sweep: '" + part.trim() + "' in '" + text + "' is not a number of "
                        + "datagrams per second; give rates separated by commas, such as 2000,5000,10000");
            }
            if (!(rate > 0) || Double.isInfinite(rate)) {
                throw new IllegalArgumentException("--sweep: '" + part.trim() + "' is not a positive number of datagrams "
                        + "per second");
            }
            rates.add(rate);
        }
        return rates;
    }

    /** Parses {@code HOST:PORT} or {@code [IPV6]:PORT} without resolving a name that is already an address. */
    public static InetSocketAddress parseServer(String text) {
        Matcher m = HOST_PORT.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("--server: '" + text + "' is not HOST:PORT, such as 127.0.0.1:7700");
        }
        int port = Integer.parseInt(m.group(3));
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("--server: port " + port + " is not from 1 to 65535");
        }
        String host = m.group(1) != null ? m.group(1) : m.group(2);
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("--server: cannot resolve host '" + host + "'");
        }
        return address;
    }

    private static String formatNumber(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    /**
     * Mutable holder for building a {@link LoadTestConfig}; starts from the defaults. The rate
     * and the ramp may each be given two ways; the total rate wins over a per-sender rate, and a
     * ramp duration is turned into peers per second once the peer count is known.
     */
    public static final class Builder {
        private InetSocketAddress server;
        private boolean embedded;
        private String scenario;
        private int channels = 100;
        private int peersPerChannel = 4;
        private Integer sendersPerChannel;
        private Double ratePerSecond;
        private double ratePerSender = 5;
        private int payloadBytes = 64;
        private Duration duration = Duration.ofSeconds(10);
        private Duration warmup = Duration.ofSeconds(2);
        private Double rampPeersPerSecond = 500.0;
        private Duration rampDuration;
        private Duration maxDrain = Duration.ofSeconds(10);
        private Path jsonFile;
        private Path htmlFile;
        private double maxLossPercent = 0.1;
        private boolean allowGeneratorBound;
        private long serverPid = -1;
        private int joinConcurrency = 64;
        private Duration keepalive = Duration.ofSeconds(2);
        private int peerReceiveBufferBytes = 1 << 20;
        private List<Double> sweepRates = List.of();
        private ClientTls tls;
        private int peersPerSocket = 1;

        private Builder() {
        }

        /** Takes every value the scenario sets. */
        public Builder apply(Scenario preset) {
            scenario = preset.name();
            if (preset.channels() != null) {
                channels = preset.channels();
            }
            if (preset.peersPerChannel() != null) {
                peersPerChannel = preset.peersPerChannel();
            }
            if (preset.sendersPerChannel() != null) {
                sendersPerChannel = preset.sendersPerChannel();
            }
            if (preset.ratePerSender() != null) {
                ratePerSender = preset.ratePerSender();
                ratePerSecond = null;
            }
            if (preset.payloadBytes() != null) {
                payloadBytes = preset.payloadBytes();
            }
            if (preset.duration() != null) {
                duration = parseDuration("scenario " + preset.name() + " duration", preset.duration());
            }
            if (preset.warmup() != null) {
                warmup = parseDuration("scenario " + preset.name() + " warmup", preset.warmup());
            }
            return this;
        }

        public Builder server(InetSocketAddress value) {
            server = value;
            return this;
        }

        public Builder embedded(boolean value) {
            embedded = value;
            return this;
        }

        public Builder channels(int value) {
            channels = value;
            return this;
        }

        public Builder peersPerChannel(int value) {
            peersPerChannel = value;
            return this;
        }

        /** Senders per channel; unset means every peer sends. */
        public Builder sendersPerChannel(int value) {
            sendersPerChannel = value;
            return this;
        }

        /** The total rate of all senders ({@link Double#POSITIVE_INFINITY} for max). */
        public Builder ratePerSecond(double value) {
            ratePerSecond = value;
            return this;
        }

        /** The rate of each sender, used when no total rate is given. */
        public Builder ratePerSender(double value) {
            ratePerSender = value;
            ratePerSecond = null;
            return this;
        }

        public Builder payloadBytes(int value) {
            payloadBytes = value;
            return this;
        }

        public Builder duration(Duration value) {
            duration = value;
            return this;
        }

        public Builder warmup(Duration value) {
            warmup = value;
            return this;
        }

        /** Peers started per second while connecting. */
        public Builder rampPeersPerSecond(double value) {
            rampPeersPerSecond = value;
            rampDuration = null;
            return this;
        }

        /** Start all peers evenly over this duration. */
        public Builder rampDuration(Duration value) {
            rampDuration = value;
            rampPeersPerSecond = null;
            return this;
        }

        public Builder maxDrain(Duration value) {
            maxDrain = value;
            return this;
        }

        public Builder jsonFile(Path value) {
            jsonFile = value;
            return this;
        }

        public Builder htmlFile(Path value) {
            htmlFile = value;
            return this;
        }

        public Builder maxLossPercent(double value) {
            maxLossPercent = value;
            return this;
        }

        /** See {@link LoadTestConfig#allowGeneratorBound}. */
        public Builder allowGeneratorBound(boolean value) {
            allowGeneratorBound = value;
            return this;
        }

        public Builder serverPid(long value) {
            serverPid = value;
            return this;
        }

        public Builder joinConcurrency(int value) {
            joinConcurrency = value;
            return this;
        }

        public Builder keepalive(Duration value) {
            keepalive = value;
            return this;
        }

        public Builder peerReceiveBufferBytes(int value) {
            peerReceiveBufferBytes = value;
            return this;
        }

        /** Rates for a sweep; when not empty, they replace any other rate, and the first is the config's rate. */
        public Builder sweepRates(List<Double> value) {
            sweepRates = List.copyOf(value);
            return this;
        }

        /** TLS for every control session; null (the default) for plain TCP. */
        public Builder tls(ClientTls value) {
            tls = value;
            return this;
        }

        /** Peers, each of another channel, per control session and UDP socket; above 1, a capacity test. */
        public Builder peersPerSocket(int value) {
            peersPerSocket = value;
            return this;
        }

        /** The validated config. */
        public LoadTestConfig build() {
            int senders = sendersPerChannel != null ? sendersPerChannel : peersPerChannel;
            double rate = !sweepRates.isEmpty() ? sweepRates.getFirst()
                    : ratePerSecond != null ? ratePerSecond : ratePerSender * channels * senders;
            double ramp;
            if (rampDuration != null) {
                ramp = rampDuration.isZero() || rampDuration.isNegative()
                        ? -1 : (double) channels * peersPerChannel / (rampDuration.toNanos() / 1e9);
            } else {
                ramp = rampPeersPerSecond;
            }
            return new LoadTestConfig(server, embedded, scenario, channels, peersPerChannel, senders, rate,
                    payloadBytes, duration, warmup, ramp, maxDrain, jsonFile, htmlFile, maxLossPercent,
                    allowGeneratorBound, serverPid,
                    joinConcurrency, keepalive, peerReceiveBufferBytes, sweepRates, tls, peersPerSocket).validate();
        }
    }
}
