package io.chanmux.server.pool;

/**
 * Whether a {@link PollLoop} sleeps in its next select or polls without sleeping. A loop that is
 * nearly always busy gains nothing from sleeping: each sleep is short, and the wake-up that ends it
 * costs a context switch on the loop's core and, in the system call of whoever sent the datagram,
 * the work of waking the loop (on a virtual machine, an interrupt between processors). So a loop
 * that waited for less than {@code maxWaitPercent} of a {@link #WINDOW_NS} window polls for up to
 * the next window; once its polls have come back empty for that share of a window, it sleeps
 * again at once, and decides anew when the window ends (the window after such a cut sleeps too,
 * as a rule: it has already waited its share). Empty polls thus never take more than that share
 * of a window (give or take one poll); 0 never polls.
 *
 * <p>"Waited" is wall-clock time from the end of one select until a socket was ready in the next
 * (or until it ended, when none was): the loop's own bookkeeping between selects counts as
 * waiting, which errs towards sleeping, while the work on ready sockets counts as work even when
 * the thread was preempted meanwhile, so a crowded core can make a loop poll that is not near
 * saturation. Loop thread only, but for {@link #polling}, which tests and metrics read.
 */
final class BusyPolling {
    /** How often the loop decides: long enough to average over many turns, short enough to follow the load. */
    static final long WINDOW_NS = 10_000_000L;

    private final int maxWaitPercent;
    /** When the current window began. */
    private long windowStartNs;
    /** How long the loop has waited in the current window. */
    private long waitedNs;
    /** Written by the loop thread only; volatile for tests and metrics that read it. */
    private volatile boolean polling;

    /**
     * @param maxWaitPercent the share of a window, in percent, below which the loop's waiting
     *                       makes it poll for up to the next; 0 never polls. Any share from 0 to 100
     *                       works here (tests use 100: poll after any window with work); the
     *                       setting allows at most 50, for the server's sake, not this class's
     */
    BusyPolling(int maxWaitPercent) {
        if (maxWaitPercent < 0 || maxWaitPercent > 100) {
            throw new IllegalArgumentException("maxWaitPercent " + maxWaitPercent + " is not within 0-100");
        }
        this.maxWaitPercent = maxWaitPercent;
    }

    /** Begins the first window, sleeping; the loop calls this once, as it starts. */
    void start(long nowNs) {
        windowStartNs = nowNs;
    }

    /** True when the next select should poll, false when it should sleep until a socket is ready. */
    boolean polling() {
        return polling;
    }

    /**
     * Accounts one select that ended at {@code endNs} and waited {@code selectWaitedNs} of it
     * (until the first socket was ready, or all of it when none was).
     */
    void selected(long selectWaitedNs, long endNs) {
        waitedNs += selectWaitedNs;
        long elapsedNs = endNs - windowStartNs;
        if (elapsedNs >= WINDOW_NS) {
            polling = waitedNs * 100 < elapsedNs * maxWaitPercent;
            windowStartNs = endNs;
            waitedNs = 0;
        } else if (polling && waitedNs * 100 >= WINDOW_NS * maxWaitPercent) {
            polling = false; // the load has fallen: no more empty polls in this window
        }
    }
}
