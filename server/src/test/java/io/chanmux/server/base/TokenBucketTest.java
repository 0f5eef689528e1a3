package io.chanmux.server.base;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The token bucket with a manual clock: burst, refill, cap, and no charge on refusal. */
class TokenBucketTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void shouldAllowTheBurstThenRefuseUntilTimeRefills() {
        TokenBucket bucket = new TokenBucket(10, 5, 0);

        for (int i = 0; i < 5; i++) {
            assertTrue(bucket.tryTake(1, 0), "burst token " + i);
        }
        assertFalse(bucket.tryTake(1, 0));
        assertFalse(bucket.tryTake(1, SECOND / 20), "half a token after 50 ms at 10/s");
        assertTrue(bucket.tryTake(1, SECOND / 10), "one token after 100 ms");
    }

    @Test
    void shouldNeverHoldMoreThanTheBurstHoweverLongItIdles() {
        TokenBucket bucket = new TokenBucket(1000, 3, 0);

        assertTrue(bucket.tryTake(3, 3600 * SECOND));
        assertFalse(bucket.tryTake(1, 3600 * SECOND));
    }

    @Test
    void shouldChargeNothingWhenItRefusesACost() {
        TokenBucket bucket = new TokenBucket(100, 100, 0);

        assertFalse(bucket.tryTake(150, 0));
        assertTrue(bucket.has(100, 0), "a refused take must not spend tokens");
        assertTrue(bucket.tryTake(100, 0));
    }

    @Test
    void shouldIgnoreAClockThatStepsBackwards() {
        TokenBucket bucket = new TokenBucket(10, 1, 5 * SECOND);

        assertTrue(bucket.tryTake(1, 5 * SECOND));
        assertFalse(bucket.tryTake(1, 4 * SECOND));
        assertTrue(bucket.tryTake(1, 5 * SECOND + SECOND / 10));
    }

    @Test
    void shouldCapTheTokensAtOnceWhenRetunedToASmallerBurst() {
        TokenBucket bucket = new TokenBucket(100, 100, 0);

        bucket.retune(10, 10, SECOND);

        assertTrue(bucket.tryTake(10, SECOND), "the new burst");
        assertFalse(bucket.tryTake(1, SECOND), "nothing beyond it");
        assertTrue(bucket.tryTake(1, SECOND + SECOND / 10), "refills at the new rate: one token per 100 ms");
    }

    @Test
    void shouldKeepWhatAccruedAtTheOldRateWhenRetunedToAHigherOne() {
        TokenBucket bucket = new TokenBucket(10, 10, 0);
        assertTrue(bucket.tryTake(10, 0));

        bucket.retune(1000, 1000, SECOND / 10); // one token accrued at 10/s

        assertTrue(bucket.tryTake(1, SECOND / 10));
        assertFalse(bucket.tryTake(1, SECOND / 10));
        assertTrue(bucket.tryTake(100, SECOND / 10 + SECOND / 10), "100 tokens per 100 ms from then on");
    }
}
