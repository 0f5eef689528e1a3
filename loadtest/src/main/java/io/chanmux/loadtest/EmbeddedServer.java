package io.chanmux.loadtest;

import io.chanmux.server.ChanmuxServer;
import io.chanmux.server.ServerConfig;

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
                .bindAddress(InetAddress.ofLiteral("127.0.0.1"))
                .controlPort(0)
                .metricsPort(0)
                .maxChannels(Math.max(defaults.maxChannels(), config.channels()))
                .maxChannelsPerSession(Math.max(defaults.maxChannelsPerSession(), config.peersPerSocket()))
                .maxSessions(Math.max(defaults.maxSessions(), config.peerSockets() + config.ownerSessions() + 64))
                .maxPeersPerChannel(Math.max(defaults.maxPeersPerChannel(), config.peersPerChannel()))
                .maxDatagramBytes(Math.max(defaults.maxDatagramBytes(), datagramBytes))
                .peerPacketsPerSecond(Math.max(defaults.peerPacketsPerSecond(), peerPackets))
                .peerBytesPerSecond((int) Math.min(Integer.MAX_VALUE,
                        Math.max(defaults.peerBytesPerSecond(), (long) peerPackets * datagramBytes)));
        if (config.isCapacityTest()) {
            // Sessions make their requests back to back: hundreds of creates or joins each.
            builder.udpPort(0).requestsPerSecond(Math.max(defaults.requestsPerSecond(), 100_000));
        } else {
            // One port per channel, plus room for ports that other processes hold.
            int ports = Math.max(1000, config.channels() + config.channels() / 10 + 64);
            builder.udpPorts(UDP_LOW_PORT, Math.min(65_535, UDP_LOW_PORT + ports - 1));
        }
        try {
            return ChanmuxServer.start(builder.build());
        } catch (IOException e) {
            throw new LoadTestException("cannot start the embedded server: " + e.getMessage(), e);
        }
    }
}
