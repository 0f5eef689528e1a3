package io.chanmux.server.config;

/**
 * The datagram budget of every peer ({@link Settings#PEER_RATE_PPS}, {@link Settings#PEER_RATE_BYTES}),
 * each with one second's worth of burst. One instance per {@link ServerConfig}, so a peer's rate
 * limit sees a reload as a new instance and retunes itself. Immutable.
 *
 * @param packetsPerSecond datagrams per second
 * @param bytesPerSecond   bytes per second
 */
public record PeerRates(int packetsPerSecond, int bytesPerSecond) {
}
