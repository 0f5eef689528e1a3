package io.chanmux.loadtest.traffic;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Bounds and counts the peers' connects (hello, join, bind). The run's owner takes a permit with
 * {@link #admit} before starting each peer, and the peer returns it when its connect ends either
 * way, so at most {@code maxInFlight} joins are outstanding at the server at once.
 *
 * <p>Thread-safe: the owner admits, peer threads report, anyone reads.
 */
public final class ConnectTracker {
    private final Semaphore inFlight;
    private final CountDownLatch settled;
    private final AtomicInteger connected = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicReference<String> firstError = new AtomicReference<>();

    /**
     * @param peers       how many peers will connect
     * @param maxInFlight the most connects outstanding at once
     */
    public ConnectTracker(int peers, int maxInFlight) {
        this.inFlight = new Semaphore(maxInFlight);
        this.settled = new CountDownLatch(peers);
    }

    /** Waits for a free connect slot. Owner thread. */
    public void admit() throws InterruptedException {
        inFlight.acquire();
    }

    /** A peer bound successfully. */
    public void connected() {
        connected.incrementAndGet();
        inFlight.release();
        settled.countDown();
    }

    /** A peer's connect failed; the first failure's description is kept for the report. */
    public void failed(String peer, Exception cause) {
        failed.incrementAndGet();
        firstError.compareAndSet(null, peer + ": " + cause);
        inFlight.release();
        settled.countDown();
    }

    /** Waits until every peer connected or failed; false on timeout. */
    public boolean awaitSettled(Duration timeout) throws InterruptedException {
        return settled.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Peers bound so far. */
    public int connectedCount() {
        return connected.get();
    }

    /** Peers that failed so far. */
    public int failedCount() {
        return failed.get();
    }

    /** The first failure, or null. */
    public String firstError() {
        return firstError.get();
    }
}
