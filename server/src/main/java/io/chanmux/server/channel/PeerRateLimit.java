package io.chanmux.server.channel;

import io.chanmux.server.base.TokenBucket;
import io.chanmux.server.config.PeerRates;

/**
 * A peer's budgets: datagrams (packets per second and bytes per second, each with one second's
 * worth of burst) and CHALLENGEs sent on its behalf ({@link #CHALLENGES_PER_SECOND}, burst {@link
 * #CHALLENGE_BURST}). Owned by one socket thread, its only user; one instance per membership
 * and socket thread ({@link Peer#rateLimit}), kept across re-binds like the peer's activity.
 * Its datagram budgets follow the server's {@link PeerRates}: given another instance (a reload),
 * it retunes them before it charges.
 */
public final class PeerRateLimit {
    /** CHALLENGEs per second one peer's BINDs may draw, to any addresses together. */
    public static final int CHALLENGES_PER_SECOND = 4;
    /** How many CHALLENGEs one peer's BINDs may draw at once. */
    public static final int CHALLENGE_BURST = 8;

    private final TokenBucket packets;
    private final TokenBucket bytes;
    private final TokenBucket challenges;
    private PeerRates tunedFor;

    public PeerRateLimit(PeerRates rates, long nowNs) {
        this.packets = new TokenBucket(rates.packetsPerSecond(), rates.packetsPerSecond(), nowNs);
        this.bytes = new TokenBucket(rates.bytesPerSecond(), rates.bytesPerSecond(), nowNs);
        this.challenges = new TokenBucket(CHALLENGES_PER_SECOND, CHALLENGE_BURST, nowNs);
        this.tunedFor = rates;
    }

    /**
     * Charges one datagram of {@code length} bytes against the budget {@code rates} sets; false
     * (and nothing charged) when over either budget.
     */
    public boolean admit(int length, long nowNs, PeerRates rates) {
        if (rates != tunedFor) {
            retune(rates, nowNs);
        }
        if (!packets.has(1, nowNs) || !bytes.has(length, nowNs)) {
            return false;
        }
        packets.tryTake(1, nowNs);
        bytes.tryTake(length, nowNs);
        return true;
    }

    private void retune(PeerRates rates, long nowNs) {
        if (!rates.equals(tunedFor)) {
            packets.retune(rates.packetsPerSecond(), rates.packetsPerSecond(), nowNs);
            bytes.retune(rates.bytesPerSecond(), rates.bytesPerSecond(), nowNs);
        }
        tunedFor = rates;
    }

    /** Charges one CHALLENGE; false when the peer's challenge budget is spent. */
    public boolean admitChallenge(long nowNs) {
        return challenges.tryTake(1, nowNs);
    }
}
