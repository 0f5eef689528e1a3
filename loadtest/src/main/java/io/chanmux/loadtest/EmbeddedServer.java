package io.chanmux.loadtest;

import io.chanmux.server.config.Settings;
import io.chanmux.server.ChanmuxServer;
import io.chanmux.server.config.PortRange;
import io.chanmux.server.config.ServerConfig;

import java.io.IOException;
import java.net.InetAddress;

/** The server {@code --embedded} starts inside the load test's JVM. */
final class EmbeddedServer {
    private static final int UDP_LOW_PORT = 20_000;

    private EmbeddedServer() {
    }

    /**
     * Starts a server in this JVM with its defaults, except where the test itself needs more: a
     * UDP port per channel (or, for a capacity test, one port every channel shares), room for every
     * session, channel and peer, datagrams as long as the payload, per-peer rate limits above the
     * offered rate (the test measures relaying, not the limiter), and a metrics port of its own
     * choosing, so it never collides with a server already running.
     */
    static ChanmuxServer start(LoadTestConfig config) throws LoadTestException {
        int datagramBytes = config.payloadBytes() + 5;
        int peerPackets = config.isMaxRate() ? 1_000_000 : (int) Math.max(500, Math.ceil(2 * config.ratePerSender()));
        ServerConfig defaults = ServerConfig.builder().build();
        ServerConfig.Builder builder = ServerConfig.builder()
                .set(Settings.BIND, InetAddress.ofLiteral("127.0.0.1"))
                .set(Settings.CONTROL_PORT, 0)
                .set(Settings.METRICS_PORT, 0)
                .set(Settings.MAX_CHANNELS, Math.max(defaults.get(Settings.MAX_CHANNELS), config.channels()))
                .set(Settings.MAX_CHANNELS_PER_SESSION, Math.max(defaults.get(Settings.MAX_CHANNELS_PER_SESSION), config.peersPerSocket()))
                .set(Settings.MAX_SESSIONS, Math.max(defaults.get(Settings.MAX_SESSIONS), config.peerSockets() + config.ownerSessions() + 64))
                .set(Settings.MAX_SESSIONS_PER_ADDRESS, 0) // every simulated client comes from 127.0.0.1
                .set(Settings.MAX_JOINS_PER_SESSION, Math.max(defaults.get(Settings.MAX_JOINS_PER_SESSION),
                        config.peersPerSocket()))
                .set(Settings.MAX_PEERS, Math.max(defaults.get(Settings.MAX_PEERS), config.peersPerChannel()))
                .set(Settings.MAX_DATAGRAM, Math.max(defaults.get(Settings.MAX_DATAGRAM), datagramBytes))
                .set(Settings.PEER_RATE_PPS, Math.max(defaults.get(Settings.PEER_RATE_PPS), peerPackets))
                .set(Settings.PEER_RATE_BYTES, (int) Math.min(Integer.MAX_VALUE,
                        Math.max(defaults.get(Settings.PEER_RATE_BYTES), (long) peerPackets * datagramBytes)));
        if (config.isCapacityTest()) {
            // Sessions make their requests back to back: hundreds of creates or joins each.
            builder.set(Settings.UDP_PORT, 0).set(Settings.REQUEST_RATE, Math.max(defaults.get(Settings.REQUEST_RATE), 100_000));
        } else {
            // One port per channel, plus room for ports that other processes hold.
            int ports = Math.max(1000, config.channels() + config.channels() / 10 + 64);
            builder.set(Settings.UDP_PORTS, new PortRange(UDP_LOW_PORT, Math.min(65_535, UDP_LOW_PORT + ports - 1)));
        }
        try {
            return ChanmuxServer.start(builder.build());
        } catch (IOException e) {
            throw new LoadTestException("cannot start the embedded server: " + e.getMessage(), e);
        }
    }
}
