package io.chanmux.server;

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
 * @param pools                channel pools, also the virtual-thread carrier count ({@code --pools})
 * @param peerTimeout          a bound peer silent this long is evicted ({@code --peer-timeout})
 * @param bindTimeout          a joined peer that has not bound within this is evicted ({@code --bind-timeout})
 * @param maxDatagramBytes     longer datagrams are dropped ({@code --max-datagram})
 * @param maxPeersPerChannel   the member limit, and the largest {@code maxPeers} a channel may ask for
 * @param poolQueueCapacity    commands a pool's queue holds before requests answer {@code limit}
 * @param sessionQueueCapacity lines a session's outbound queue holds before the session is closed
 * @param udpReceiveBufferBytes SO_RCVBUF for channel sockets, 0 for the system default
 */
public record ServerConfig(
        InetAddress bindAddress,
        int controlPort,
        int udpPortLow,
        int udpPortHigh,
        int pools,
        Duration peerTimeout,
        Duration bindTimeout,
        int maxDatagramBytes,
        int maxPeersPerChannel,
        int poolQueueCapacity,
        int sessionQueueCapacity,
        int udpReceiveBufferBytes) {

    /** The default control port. */
    public static final int DEFAULT_CONTROL_PORT = 7700;

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
            problems.add("--pool-queue: " + poolQueueCapacity + " is below 16");
        }
        if (sessionQueueCapacity < 16) {
            problems.add("--session-queue: " + sessionQueueCapacity + " is below 16");
        }
        if (udpReceiveBufferBytes < 0) {
            problems.add("--udp-rcvbuf: " + udpReceiveBufferBytes + " is negative");
        }
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
        private int pools = defaultPools();
        private Duration peerTimeout = Duration.ofSeconds(30);
        private Duration bindTimeout = Duration.ofSeconds(30);
        private int maxDatagramBytes = 1500;
        private int maxPeersPerChannel = 256;
        private int poolQueueCapacity = 16_384;
        private int sessionQueueCapacity = 1024;
        private int udpReceiveBufferBytes = 0;

        private Builder() {
        }

        private Builder(ServerConfig c) {
            bindAddress = c.bindAddress;
            controlPort = c.controlPort;
            udpPortLow = c.udpPortLow;
            udpPortHigh = c.udpPortHigh;
            pools = c.pools;
            peerTimeout = c.peerTimeout;
            bindTimeout = c.bindTimeout;
            maxDatagramBytes = c.maxDatagramBytes;
            maxPeersPerChannel = c.maxPeersPerChannel;
            poolQueueCapacity = c.poolQueueCapacity;
            sessionQueueCapacity = c.sessionQueueCapacity;
            udpReceiveBufferBytes = c.udpReceiveBufferBytes;
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

        /** The validated config. */
        public ServerConfig build() {
            return new ServerConfig(bindAddress, controlPort, udpPortLow, udpPortHigh, pools, peerTimeout,
                    bindTimeout, maxDatagramBytes, maxPeersPerChannel, poolQueueCapacity, sessionQueueCapacity,
                    udpReceiveBufferBytes).validate();
        }
    }
}
