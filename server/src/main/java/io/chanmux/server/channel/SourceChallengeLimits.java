package io.chanmux.server.channel;

import io.chanmux.server.base.TokenBucket;

import java.net.InetSocketAddress;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How many CHALLENGEs one channel may send to one source address (IP and port), whatever peer ids
 * the BINDs carry: {@link #CHALLENGES_PER_SECOND} with a burst of {@link #BURST}. This is what
 * protects a victim whose address an attacker forges on BINDs of several peers it holds tokens
 * for; the per-peer budget ({@link PeerRateLimit#admitChallenge}) bounds a flood from many
 * addresses.
 *
 * <p>Memory is bounded: a fixed table of {@link #SLOTS} token buckets indexed by a salted hash of
 * the address, each created on first use. Addresses that share a slot share its budget, which can
 * only make the limit stricter; the salt, random per channel, keeps which addresses share a slot
 * unpredictable. Owned by the channel thread, its only user.
 */
public final class SourceChallengeLimits {
    /** CHALLENGEs per second to one source address. */
    public static final int CHALLENGES_PER_SECOND = 4;
    /** How many CHALLENGEs one source address may receive at once. */
    public static final int BURST = 8;
    /** Buckets in the table (a power of two). */
    public static final int SLOTS = 64;

    private final TokenBucket[] buckets = new TokenBucket[SLOTS];
    private final int salt = ThreadLocalRandom.current().nextInt();

    /** Charges one CHALLENGE to {@code source}; false when its budget is spent. */
    boolean admit(InetSocketAddress source, long nowNs) {
        int slot = ((source.hashCode() ^ salt) * 0x9E3779B1) >>> (Integer.SIZE - Integer.numberOfTrailingZeros(SLOTS));
        TokenBucket bucket = buckets[slot];
        if (bucket == null) {
            bucket = new TokenBucket(CHALLENGES_PER_SECOND, BURST, nowNs);
            buckets[slot] = bucket;
        }
        return bucket.tryTake(1, nowNs);
    }
}
