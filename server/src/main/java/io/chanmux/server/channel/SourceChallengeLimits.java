package io.chanmux.server.channel;

import io.chanmux.server.base.TokenBucket;

import java.net.InetSocketAddress;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How many CHALLENGEs one channel may send to one source address (IP and port), whatever peer ids
 * the BINDs carry: {@link #CHALLENGES_PER_SECOND} with a burst of {@link #BURST}. This is what
 * protects a victim whose address an attacker forges on BINDs of several peers of a channel it
 * holds tokens for; the per-peer budget ({@link PeerRateLimit#admitChallenge}) bounds a flood from
 * many addresses.
 *
 * <p>Memory is bounded: a fixed table of token buckets indexed by a salted hash of the address and
 * the channel, each created on first use. Entries that share a slot share its budget, which can
 * only make the limit stricter; the salt, random per table, keeps which entries share a slot
 * unpredictable. A channel with a port of its own keeps {@link #PER_CHANNEL_SLOTS}; each socket
 * thread of the shared port keeps {@link #SHARED_PORT_SLOTS} for every channel it serves (the
 * kernel steers an address to one socket, so that socket's table holds all of the address's
 * budgets). The budget is per channel in both modes, so one client socket that carries peers of
 * many channels binds them all at once, as it could with a port per channel. Owned by the
 * socket's thread, its only user.
 */
public final class SourceChallengeLimits {
    /** CHALLENGEs per second to one source address. */
    public static final int CHALLENGES_PER_SECOND = 4;
    /** How many CHALLENGEs one source address may receive at once. */
    public static final int BURST = 8;
    /** Buckets of a channel's own port. */
    public static final int PER_CHANNEL_SLOTS = 64;
    /** Buckets of one socket of the shared port, which serves every channel's addresses. */
    public static final int SHARED_PORT_SLOTS = 4096;

    private final TokenBucket[] buckets;
    private final int shift;
    private final int salt = ThreadLocalRandom.current().nextInt();

    /** A table of {@code slots} buckets, a power of two from 2. */
    public SourceChallengeLimits(int slots) {
        if (slots < 2 || Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException(slots + " slots is not a power of two");
        }
        this.buckets = new TokenBucket[slots];
        this.shift = Integer.SIZE - Integer.numberOfTrailingZeros(slots);
    }

    /** Charges one CHALLENGE to {@code source} in the channel whose {@link RelayChannel#challengeSalt} is given; false when its budget is spent. */
    boolean admit(InetSocketAddress source, int channelSalt, long nowNs) {
        int slot = (((source.hashCode() ^ channelSalt) * 0x9E3779B1 ^ salt) * 0x85EBCA6B) >>> shift;
        TokenBucket bucket = buckets[slot];
        if (bucket == null) {
            bucket = new TokenBucket(CHALLENGES_PER_SECOND, BURST, nowNs);
            buckets[slot] = bucket;
        }
        return bucket.tryTake(1, nowNs);
    }
}
