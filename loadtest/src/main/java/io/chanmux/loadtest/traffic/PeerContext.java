package io.chanmux.loadtest.traffic;

import io.chanmux.protocol.client.ClientTls;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * What every simulated peer of a run shares: where the server is, the payload format, the
 * counters, the run's signals and connect tracker, and the timing settings.
 *
 * @param control            the server's control address
 * @param tls                how control sessions check a TLS control port, or null for plain TCP
 * @param format             the DATA body format
 * @param counters           counters and latency recorders
 * @param signals            traffic start and stop
 * @param connects           bounds and counts connects
 * @param keepalive          an idle peer sends a PING this often, well inside the server's peer timeout
 * @param requestTimeout     how long a control request waits for its reply
 * @param bindTimeout        how long a peer retries BIND before giving up
 * @param receiveBufferBytes SO_RCVBUF of each peer's UDP socket, 0 for the system default
 * @param receiveLoops       the loops that read every peer's socket; a peer registers with one of them
 */
public record PeerContext(InetSocketAddress control, ClientTls tls, PayloadFormat format, TrafficCounters counters,
                          TrafficSignals signals, ConnectTracker connects, Duration keepalive,
                          Duration requestTimeout, Duration bindTimeout, int receiveBufferBytes,
                          List<ReceiveLoop> receiveLoops) {
    /** Copies the list. */
    public PeerContext {
        receiveLoops = List.copyOf(receiveLoops);
    }

    /** The receive loop for the peers of channel {@code channelIndex}: the loops share the channels evenly. */
    public ReceiveLoop receiveLoopFor(int channelIndex) {
        return receiveLoops.get(Math.floorMod(channelIndex, receiveLoops.size()));
    }
}
