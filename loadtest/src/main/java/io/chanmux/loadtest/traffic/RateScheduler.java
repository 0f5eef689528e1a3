package io.chanmux.loadtest.traffic;

/**
 * The open-loop send schedule of one sender: datagram {@code n} is due at
 * {@code firstNs + round(n * intervalNs)}, computed from {@code n} every time, so rounding never
 * accumulates into drift. The sender sends each datagram when it is due whether or not the relay
 * kept up, so a slow relay shows up as latency and loss instead of silently lowering the offered
 * rate (no coordinated omission).
 *
 * <p>After a stall the sender catches up by sending every overdue datagram at once, but never one
 * before its time: by any instant {@code t} at most the datagrams scheduled before {@code t} have
 * been taken.
 *
 * <pre>
 *  total rate R over S senders: each sender every S/R s, sender i shifted by i/R s
 *
 *  sender 0   x-----------x-----------x-----------x       x = intended send time
 *  sender 1      x-----------x-----------x-----------x
 *  sender 2         x-----------x-----------x-----------x
 *             |&lt;-- S/R --&gt;|
 * </pre>
 *
 * <p>Not thread-safe: one sender thread owns each scheduler. Times are {@code System.nanoTime()}
 * values passed in, so tests drive it with a manual clock.
 */
public final class RateScheduler {
    /** {@link #takeDue} found nothing due yet. */
    public static final long NOT_DUE = -1;
    /** {@link #takeDue} found the schedule over: the next datagram would be due at or after the end. */
    public static final long FINISHED = -2;

    private final long firstNs;
    private final double intervalNs;
    private final long endNs;
    private long next;

    /**
     * @param firstNs    when datagram 0 is due
     * @param intervalNs time between consecutive datagrams, positive
     * @param endNs      no datagram is due at or after this
     */
    public RateScheduler(long firstNs, double intervalNs, long endNs) {
        if (!(intervalNs > 0) || Double.isInfinite(intervalNs)) {
            throw new IllegalArgumentException("interval must be a positive number of nanoseconds, was " + intervalNs);
        }
        this.firstNs = firstNs;
        this.intervalNs = intervalNs;
        this.endNs = endNs;
    }

    /**
     * The schedule of sender {@code index} of {@code senders} sharing {@code totalPerSecond}
     * evenly: each sends every {@code senders / total} seconds, and their first sends are spread
     * evenly over one interval so the aggregate stream is even too.
     */
    public static RateScheduler forSender(long startNs, long endNs, double totalPerSecond, int index, int senders) {
        if (senders < 1 || index < 0 || index >= senders) {
            throw new IllegalArgumentException("sender " + index + " of " + senders);
        }
        double intervalNs = senders * 1e9 / totalPerSecond;
        long phaseNs = Math.round(intervalNs * index / senders);
        return new RateScheduler(startNs + phaseNs, intervalNs, endNs);
    }

    /** When datagram {@code sequence} is due. */
    public long intendedNs(long sequence) {
        return firstNs + Math.round(sequence * intervalNs);
    }

    /** The time between consecutive datagrams. */
    public double intervalNs() {
        return intervalNs;
    }

    /** The sequence number {@link #takeDue} hands out next. */
    public long nextSequence() {
        return next;
    }

    /** When the next datagram is due. */
    public long nextIntendedNs() {
        return intendedNs(next);
    }

    /** Whether every datagram of the schedule has been taken. */
    public boolean finished() {
        return nextIntendedNs() - endNs >= 0;
    }

    /**
     * Takes the next datagram if it is due at {@code nowNs}.
     *
     * @return its sequence number, {@link #NOT_DUE}, or {@link #FINISHED}
     */
    public long takeDue(long nowNs) {
        long due = nextIntendedNs();
        if (due - endNs >= 0) {
            return FINISHED;
        }
        if (due - nowNs > 0) {
            return NOT_DUE;
        }
        return next++;
    }

    /** The first sequence number due at or after {@code ns} (0 if {@code ns} is before the first). */
    public long firstSequenceAtOrAfter(long ns) {
        long n = Math.max(0, (long) Math.ceil((ns - firstNs) / intervalNs));
        while (intendedNs(n) - ns < 0) {
            n++;
        }
        while (n > 0 && intendedNs(n - 1) - ns >= 0) {
            n--;
        }
        return n;
    }

    /** How many datagrams the whole schedule holds: the first sequence number not sent. */
    public long endSequence() {
        return firstSequenceAtOrAfter(endNs);
    }
}
