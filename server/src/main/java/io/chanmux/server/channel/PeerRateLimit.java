package io.chanmux.server.channel;

import io.chanmux.server.base.TokenBucket;

/**
 * A peer's datagram budget: packets per second and bytes per second, each with one second's worth
 * of burst. Owned by the channel thread (its only user); survives re-binds like its activity.
 */
public final class PeerRateLimit {
    private final TokenBucket packets;
    private final TokenBucket bytes;

    public PeerRateLimit(int packetsPerSecond, int bytesPerSecond, long nowNs) {
        this.packets = new TokenBucket(packetsPerSecond, packetsPerSecond, nowNs);
        this.bytes = new TokenBucket(bytesPerSecond, bytesPerSecond, nowNs);
    }

    /** Charges one datagram of {@code length} bytes; false (and nothing charged) when over either budget. */
    public boolean admit(int length, long nowNs) {
        if (!packets.has(1, nowNs) || !bytes.has(length, nowNs)) {
            return false;
        }
        packets.tryTake(1, nowNs);
        bytes.tryTake(length, nowNs);
        return true;
    }
}
