package io.chanmux.server.base;

/**
 * A token bucket: {@code ratePerSecond} tokens accrue continuously up to {@code burst}; an action
 * that costs {@code n} tokens is allowed if the bucket holds them. Time is passed in, so owners
 * test it with a manual clock. Not thread-safe: each bucket belongs to one thread (a session's
 * reader, or a channel thread for its peers).
 */
public final class TokenBucket {
    private double tokensPerNano;
    private double burst;
    private double tokens;
    private long lastRefillNs;

    public TokenBucket(double ratePerSecond, double burst, long nowNs) {
        this.tokensPerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.lastRefillNs = nowNs;
    }

    /** Takes {@code cost} tokens if the bucket holds them at {@code nowNs}. */
    public boolean tryTake(double cost, long nowNs) {
        refill(nowNs);
        if (tokens < cost) {
            return false;
        }
        tokens -= cost;
        return true;
    }

    /** Whether {@code cost} tokens are available at {@code nowNs}, without taking them. */
    public boolean has(double cost, long nowNs) {
        refill(nowNs);
        return tokens >= cost;
    }

    /**
     * Changes the rate and burst from {@code nowNs} on: what accrued until then accrued at the old
     * rate, and the bucket keeps its tokens up to the new burst (a lowered limit bites at once, a
     * raised one fills at the new rate).
     */
    public void retune(double ratePerSecond, double burst, long nowNs) {
        refill(nowNs);
        this.tokensPerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.tokens = Math.min(tokens, burst);
    }

    private void refill(long nowNs) {
        long elapsed = nowNs - lastRefillNs;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + elapsed * tokensPerNano);
            lastRefillNs = nowNs;
        }
    }
}
