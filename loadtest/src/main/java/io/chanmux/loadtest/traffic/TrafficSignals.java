package io.chanmux.loadtest.traffic;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The two moments every peer waits for: traffic start (each peer's {@link TrafficPlan} is in
 * place) and stop (the drain is over; close the sockets). Peers wait with a timeout so they can
 * send keepalives meanwhile.
 *
 * <p>Thread-safe: the run's owner thread signals, peer threads wait.
 */
public final class TrafficSignals {
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

    /** Lets every peer start its traffic. Call after every plan is assigned. */
    public void start() {
        started.countDown();
    }

    /** Tells every peer to stop and close its sockets. */
    public void stop() {
        stopped.countDown();
    }

    /** Waits up to {@code nanos} for the start; true when traffic has started. */
    public boolean awaitStart(long nanos) throws InterruptedException {
        return started.await(nanos, TimeUnit.NANOSECONDS);
    }

    /** Waits up to {@code nanos} for the stop; true when peers must stop. */
    public boolean awaitStop(long nanos) throws InterruptedException {
        return stopped.await(nanos, TimeUnit.NANOSECONDS);
    }

    /** Whether stop was signalled. */
    public boolean stopped() {
        return stopped.getCount() == 0;
    }
}
