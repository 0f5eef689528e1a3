package io.chanmux.server;

import io.chanmux.protocol.wire.HostPort;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Every server setting, validated once. Each component has a command-line option of the same
 * meaning (see {@link ServerMain} and docs/configuration.md); {@link #builder()} starts from the
 * defaults.
 *
 * @param bindAddress          address for the control port and every channel port ({@code --bind})
 * @param controlPort          TCP control port, 0 to pick a free one ({@code --control-port})
 * @param udpPortLow           first UDP port of the channel range ({@code --udp-ports})
 * @param udpPortHigh          last UDP port of the channel range, inclusive
 * @param udpPort              the one UDP port every channel shares ({@code --udp-port}); 0 picks a free one;
 *                             -1 (the default) gives each channel a port of its own from the range
 * @param pools                channel pools, also the virtual-thread carrier count ({@code --pools})
 * @param peerTimeout          a bound peer silent this long is evicted ({@code --peer-timeout})
 * @param bindTimeout          a joined peer that has not bound within this is evicted ({@code --bind-timeout})
 * @param maxDatagramBytes     longer datagrams are dropped ({@code --max-datagram})
 * @param maxPeersPerChannel   the member limit, and the largest {@code maxPeers} a channel may ask for
 * @param poolQueueCapacity    commands a pool's queue holds before requests answer {@code limit}
 * @param sessionQueueCapacity lines a session's outbound queue holds before the session is closed
 * @param udpReceiveBufferBytes SO_RCVBUF for channel sockets, 0 for the system default
 * @param maxSessions          control connections at once; more are answered {@code limit} and closed
 * @param maxChannels          channels at once, server-wide
 * @param maxChannelsPerSession channels one session may own at once
 * @param requestsPerSecond    a session's sustained request rate; the burst is twice this
 * @param lineTimeout          the first line must arrive, and any started line must end, within this
 * @param writeTimeout         a session whose client does not take our output for this long is closed
 * @param peerPacketsPerSecond a peer's datagram rate limit (burst: one second's worth)
 * @param peerBytesPerSecond   a peer's byte rate limit (burst: one second's worth)
 * @param secret               when set, {@code hello} must authenticate with it before any other op
 * @param adminSecret          when set, a {@code hello} carrying it as {@code admin} unlocks the admin ops
 * @param metricsPort          HTTP port for {@code /metrics} and {@code /healthz}; 0 picks one, -1 turns it off
 * @param drainTimeout         how long a drain (admin {@code drain}, SIGTERM) waits for channels to empty
 * @param summaryInterval      how often one INFO line sums up the counters
 * @param maxSessionsPerAddress control connections from one IP address at once; 0 for no limit
 */
public record ServerConfig(
        InetAddress bindAddress,
        int controlPort,
        int udpPortLow,
        int udpPortHigh,
        int udpPort,
        int pools,
        Duration peerTimeout,
        Duration bindTimeout,
        int maxDatagramBytes,
        int maxPeersPerChannel,
        int poolQueueCapacity,
        int sessionQueueCapacity,
        int udpReceiveBufferBytes,
        int maxSessions,
        int maxChannels,
        int maxChannelsPerSession,
        int requestsPerSecond,
        Duration lineTimeout,
        Duration writeTimeout,
        int peerPacketsPerSecond,
        int peerBytesPerSecond,
        String secret,
        String adminSecret,
        int metricsPort,
        Duration drainTimeout,
        Duration summaryInterval,
        int maxSessionsPerAddress) {

    /** Everything but the secret, which must not reach logs. */
    @Override
    public String toString() {
        return "ServerConfig[bind=" + HostPort.format(bindAddress) + ", controlPort=" + controlPort
                + (udpPort < 0 ? ", udpPorts=" + udpPortLow + "-" + udpPortHigh : ", udpPort=" + udpPort) + ", pools=" + pools + ", peerTimeout=" + peerTimeout
                + ", bindTimeout=" + bindTimeout + ", maxDatagram=" + maxDatagramBytes + ", maxPeers="
                + maxPeersPerChannel + ", maxSessions=" + maxSessions + ", maxChannels=" + maxChannels
                + ", maxChannelsPerSession=" + maxChannelsPerSession + ", requestRate=" + requestsPerSecond
                + ", lineTimeout=" + lineTimeout + ", writeTimeout=" + writeTimeout + ", peerRate="
                + peerPacketsPerSecond + "pps/" + peerBytesPerSecond + "Bps, secret=" + (secret == null ? "none" : "set")
                + ", adminSecret=" + (adminSecret == null ? "none" : "set") + ", metricsPort=" + metricsPort
                + ", drainTimeout=" + drainTimeout + ", summaryInterval=" + summaryInterval
                + ", maxSessionsPerAddress=" + maxSessionsPerAddress + "]";
    }

    /** The default control port. */
    public static final int DEFAULT_CONTROL_PORT = 7700;
    /** The default metrics port. */
    public static final int DEFAULT_METRICS_PORT = 9700;

    /** {@code max(1, cores - 1)}: one core is left for the kernel's network work and everything else. */
    public static int defaultPools() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Checks every setting.
     *
     * @throws IllegalArgumentException naming each bad setting and its value
     */
    public ServerConfig validate() {
        List<String> problems = new ArrayList<>();
        if (bindAddress == null) {
            problems.add("--bind: missing");
        }
        if (controlPort < 0 || controlPort > 65535) {
            problems.add("--control-port: " + controlPort + " is not a port (0-65535)");
        }
        if (udpPortLow < 1 || udpPortHigh > 65535 || udpPortLow > udpPortHigh) {
            problems.add("--udp-ports: " + udpPortLow + "-" + udpPortHigh
                    + " is not a range LOW-HIGH with 1 <= LOW <= HIGH <= 65535");
        }
        if (udpPort < -1 || udpPort > 65535) {
            problems.add("--udp-port: " + udpPort + " is not a port (0-65535, or -1 for a port per channel)");
        }
        if (pools < 1 || pools > 256) {
            problems.add("--pools: " + pools + " is not from 1 to 256");
        }
        checkPositive(problems, "--peer-timeout", peerTimeout);
        checkPositive(problems, "--bind-timeout", bindTimeout);
        if (maxDatagramBytes < 64 || maxDatagramBytes > 65_507) {
            problems.add("--max-datagram: " + maxDatagramBytes + " is not from 64 to 65507 bytes");
        }
        if (maxPeersPerChannel < 2 || maxPeersPerChannel > 65_536) {
            problems.add("--max-peers: " + maxPeersPerChannel + " is not from 2 to 65536");
        }
        if (poolQueueCapacity < 16) {
            problems.add("pool queue capacity: " + poolQueueCapacity + " is below 16");
        }
        if (sessionQueueCapacity < 16) {
            problems.add("session queue capacity: " + sessionQueueCapacity + " is below 16");
        }
        if (udpReceiveBufferBytes < 0) {
            problems.add("--udp-rcvbuf: " + udpReceiveBufferBytes + " is negative");
        }
        checkAtLeast(problems, "--max-sessions", maxSessions, 1);
        checkAtLeast(problems, "--max-channels", maxChannels, 1);
        checkAtLeast(problems, "--max-channels-per-session", maxChannelsPerSession, 1);
        checkAtLeast(problems, "--request-rate", requestsPerSecond, 1);
        checkPositive(problems, "--line-timeout", lineTimeout);
        checkPositive(problems, "--write-timeout", writeTimeout);
        checkAtLeast(problems, "--peer-rate-pps", peerPacketsPerSecond, 1);
        checkAtLeast(problems, "--peer-rate-bytes", peerBytesPerSecond, maxDatagramBytes);
        if (secret != null && secret.isEmpty()) {
            problems.add("--secret: must not be empty");
        }
        if (adminSecret != null && adminSecret.isEmpty()) {
            problems.add("--admin-secret: must not be empty");
        }
        if (metricsPort < -1 || metricsPort > 65535) {
            problems.add("--metrics-port: " + metricsPort + " is not a port (0-65535, or -1 for none)");
        }
        if (drainTimeout == null || drainTimeout.isNegative()) {
            problems.add("--drain-timeout: " + drainTimeout + " must not be negative");
        }
        checkPositive(problems, "--summary-interval", summaryInterval);
        checkAtLeast(problems, "--max-sessions-per-address", maxSessionsPerAddress, 0);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return this;
    }

    /** How often each pool sweeps for silent peers: a quarter of the shorter timeout, within 10 ms to 1 s. */
    public Duration sweepInterval() {
        Duration shorter = peerTimeout.compareTo(bindTimeout) < 0 ? peerTimeout : bindTimeout;
        long millis = Math.clamp(shorter.toMillis() / 4, 10, 1000);
        return Duration.ofMillis(millis);
    }

    /**
     * How often the control listener checks sessions for stalled lines and writes: a quarter of
     * the shorter timeout, within 10 ms to 1 s.
     */
    public Duration sessionCheckInterval() {
        Duration shorter = lineTimeout.compareTo(writeTimeout) < 0 ? lineTimeout : writeTimeout;
        return Duration.ofMillis(Math.clamp(shorter.toMillis() / 4, 10, 1000));
    }

    private static void checkAtLeast(List<String> problems, String option, long value, long minimum) {
        if (value < minimum) {
            problems.add(option + ": " + value + " is below " + minimum);
        }
    }

    private static void checkPositive(List<String> problems, String option, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            problems.add(option + ": " + value + " must be a positive duration");
        }
    }

    /** Mutable holder for building a {@link ServerConfig}; starts from the defaults. */
    public static final class Builder {
        private InetAddress bindAddress = InetAddress.ofLiteral("0.0.0.0");
        private int controlPort = DEFAULT_CONTROL_PORT;
        private int udpPortLow = 40_000;
        private int udpPortHigh = 40_999;
        private int udpPort = -1;
        private int pools = defaultPools();
        private Duration peerTimeout = Duration.ofSeconds(30);
        private Duration bindTimeout = Duration.ofSeconds(30);
        private int maxDatagramBytes = 1500;
        private int maxPeersPerChannel = 256;
        private int poolQueueCapacity = 16_384;
        private int sessionQueueCapacity = 1024;
        private int udpReceiveBufferBytes = 0;
        private int maxSessions = 10_000;
        private int maxChannels = 10_000;
        private int maxChannelsPerSession = 16;
        private int requestsPerSecond = 100;
        private Duration lineTimeout = Duration.ofSeconds(10);
        private Duration writeTimeout = Duration.ofSeconds(10);
        private int peerPacketsPerSecond = 500;
        private int peerBytesPerSecond = 1_000_000;
        private String secret;
        private String adminSecret;
        private int metricsPort = DEFAULT_METRICS_PORT;
        private Duration drainTimeout = Duration.ofSeconds(30);
        private Duration summaryInterval = Duration.ofSeconds(60);
        private int maxSessionsPerAddress = 0;

        private Builder() {
        }

        private Builder(ServerConfig c) {
            bindAddress = c.bindAddress;
            controlPort = c.controlPort;
            udpPortLow = c.udpPortLow;
            udpPortHigh = c.udpPortHigh;
            udpPort = c.udpPort;
            pools = c.pools;
            peerTimeout = c.peerTimeout;
            bindTimeout = c.bindTimeout;
            maxDatagramBytes = c.maxDatagramBytes;
            maxPeersPerChannel = c.maxPeersPerChannel;
            poolQueueCapacity = c.poolQueueCapacity;
            sessionQueueCapacity = c.sessionQueueCapacity;
            udpReceiveBufferBytes = c.udpReceiveBufferBytes;
            maxSessions = c.maxSessions;
            maxChannels = c.maxChannels;
            maxChannelsPerSession = c.maxChannelsPerSession;
            requestsPerSecond = c.requestsPerSecond;
            lineTimeout = c.lineTimeout;
            writeTimeout = c.writeTimeout;
            peerPacketsPerSecond = c.peerPacketsPerSecond;
            peerBytesPerSecond = c.peerBytesPerSecond;
            secret = c.secret;
            adminSecret = c.adminSecret;
            metricsPort = c.metricsPort;
            drainTimeout = c.drainTimeout;
            summaryInterval = c.summaryInterval;
            maxSessionsPerAddress = c.maxSessionsPerAddress;
        }

        public Builder bindAddress(InetAddress value) {
            bindAddress = value;
            return this;
        }

        public Builder controlPort(int value) {
            controlPort = value;
            return this;
        }

        public Builder udpPorts(int low, int high) {
            udpPortLow = low;
            udpPortHigh = high;
            return this;
        }

        /** The one port every channel shares; -1 for a port per channel from {@link #udpPorts}. */
        public Builder udpPort(int value) {
            udpPort = value;
            return this;
        }

        public Builder pools(int value) {
            pools = value;
            return this;
        }

        public Builder peerTimeout(Duration value) {
            peerTimeout = value;
            return this;
        }

        public Builder bindTimeout(Duration value) {
            bindTimeout = value;
            return this;
        }

        public Builder maxDatagramBytes(int value) {
            maxDatagramBytes = value;
            return this;
        }

        public Builder maxPeersPerChannel(int value) {
            maxPeersPerChannel = value;
            return this;
        }

        public Builder poolQueueCapacity(int value) {
            poolQueueCapacity = value;
            return this;
        }

        public Builder sessionQueueCapacity(int value) {
            sessionQueueCapacity = value;
            return this;
        }

        public Builder udpReceiveBufferBytes(int value) {
            udpReceiveBufferBytes = value;
            return this;
        }

        public Builder maxSessions(int value) {
            maxSessions = value;
            return this;
        }

        public Builder maxChannels(int value) {
            maxChannels = value;
            return this;
        }

        public Builder maxChannelsPerSession(int value) {
            maxChannelsPerSession = value;
            return this;
        }

        public Builder requestsPerSecond(int value) {
            requestsPerSecond = value;
            return this;
        }

        public Builder lineTimeout(Duration value) {
            lineTimeout = value;
            return this;
        }

        public Builder writeTimeout(Duration value) {
            writeTimeout = value;
            return this;
        }

        public Builder peerPacketsPerSecond(int value) {
            peerPacketsPerSecond = value;
            return this;
        }

        public Builder peerBytesPerSecond(int value) {
            peerBytesPerSecond = value;
            return this;
        }

        public Builder secret(String value) {
            secret = value;
            return this;
        }

        public Builder adminSecret(String value) {
            adminSecret = value;
            return this;
        }

        public Builder metricsPort(int value) {
            metricsPort = value;
            return this;
        }

        public Builder drainTimeout(Duration value) {
            drainTimeout = value;
            return this;
        }

        public Builder summaryInterval(Duration value) {
            summaryInterval = value;
            return this;
        }

        public Builder maxSessionsPerAddress(int value) {
            maxSessionsPerAddress = value;
            return this;
        }

        /** The validated config. */
        public ServerConfig build() {
            return new ServerConfig(bindAddress, controlPort, udpPortLow, udpPortHigh, udpPort, pools, peerTimeout,
                    bindTimeout, maxDatagramBytes, maxPeersPerChannel, poolQueueCapacity, sessionQueueCapacity,
                    udpReceiveBufferBytes, maxSessions, maxChannels, maxChannelsPerSession, requestsPerSecond,
                    lineTimeout, writeTimeout, peerPacketsPerSecond, peerBytesPerSecond, secret, adminSecret, metricsPort,
                    drainTimeout, summaryInterval, maxSessionsPerAddress).validate();
        }
    }
}
