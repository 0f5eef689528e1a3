package io.chanmux.loadtest.traffic;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Every figure the peers' threads produce while traffic runs: {@link LongAdder} counters and
 * HdrHistogram {@link Recorder}s, which thousands of sender and receiver threads update without
 * a lock, and which the progress reporter reads once a second (a {@code Recorder} hands out the
 * interval's histogram and starts a fresh one).
 *
 * <p>Latency and scheduler lag go to one recorder for the warmup and one for the measured
 * window, chosen by the datagram's send time, so the final percentiles contain exactly the
 * measured datagrams. Values are nanoseconds.
 *
 * <p>Thread-safe: any thread may record; one reporter thread at a time takes intervals.
 */
public final class TrafficCounters {
    /** The largest latency a histogram tracks; longer values are recorded as this. */
    public static final long HIGHEST_TRACKABLE_NS = TimeUnit.SECONDS.toNanos(60);
    private static final int SIGNIFICANT_DIGITS = 3;

    private final LongAdder sent = new LongAdder();
    private final LongAdder expectedCopies = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder reordered = new LongAdder();
    private final LongAdder openGaps = new LongAdder();
    private final LongAdder echoed = new LongAdder();
    private final LongAdder pongs = new LongAdder();
    private final LongAdder keepalives = new LongAdder();
    private final LongAdder controlReplies = new LongAdder();
    private final LongAdder sendErrors = new LongAdder();
    private final LongAdder receiveErrors = new LongAdder();
    private final EnumMap<Corruption, LongAdder> corrupt = new EnumMap<>(Corruption.class);
    private final Recorder warmupLatency = newRecorder();
    private final Recorder measuredLatency = newRecorder();
    private final Recorder warmupLag = newRecorder();
    private final Recorder measuredLag = newRecorder();
    private final Recorder joinLatency = newRecorder();

    /** Counters at zero. */
    public TrafficCounters() {
        for (Corruption kind : Corruption.values()) {
            corrupt.put(kind, new LongAdder());
        }
    }

    /** A recorder of nanosecond values from 1 ns to {@link #HIGHEST_TRACKABLE_NS}, three significant digits. */
    public static Recorder newRecorder() {
        return new Recorder(1, HIGHEST_TRACKABLE_NS, SIGNIFICANT_DIGITS);
    }

    /** An empty histogram with the recorders' range, to accumulate intervals into. */
    public static Histogram newHistogram() {
        return new Histogram(1, HIGHEST_TRACKABLE_NS, SIGNIFICANT_DIGITS);
    }

    /** A DATA datagram left for {@code copies} receivers, {@code lagNs} after its intended time. */
    public void onSent(int copies, long lagNs, boolean measured) {
        sent.increment();
        expectedCopies.add(copies);
        (measured ? measuredLag : warmupLag).recordValue(clamp(lagNs));
    }

    /** A new copy arrived {@code latencyNs} after it was sent; it opened {@code gapsOpened} gaps. */
    public void onDelivered(long latencyNs, boolean measured, long gapsOpened) {
        delivered.increment();
        if (gapsOpened != 0) {
            openGaps.add(gapsOpened);
        }
        (measured ? measuredLatency : warmupLatency).recordValue(clamp(latencyNs));
    }

    /** A new copy arrived after a later one from its sender, closing a gap. */
    public void onReordered(long latencyNs, boolean measured) {
        delivered.increment();
        reordered.increment();
        openGaps.decrement();
        (measured ? measuredLatency : warmupLatency).recordValue(clamp(latencyNs));
    }

    /** A copy arrived a second time. */
    public void onDuplicate() {
        duplicates.increment();
    }

    /** A peer received a datagram it sent itself. */
    public void onEchoed() {
        echoed.increment();
    }

    /** A datagram failed verification. */
    public void onCorrupt(Corruption kind) {
        corrupt.get(kind).increment();
    }

    /** A PING left to keep an idle peer alive. */
    public void onKeepalive() {
        keepalives.increment();
    }

    /** A PONG for this peer arrived. */
    public void onPong() {
        pongs.increment();
    }

    /** A late extra BIND_OK or CHALLENGE arrived (the answer to a retried BIND); harmless. */
    public void onControlReply() {
        controlReplies.increment();
    }

    /** A send failed (for example an ICMP error from a closed port). */
    public void onSendError() {
        sendErrors.increment();
    }

    /** A receive failed without the socket being closed. */
    public void onReceiveError() {
        receiveErrors.increment();
    }

    /** A peer's hello, join and bind took {@code nanos}. */
    public void onJoined(long nanos) {
        joinLatency.recordValue(clamp(nanos));
    }

    /** DATA datagrams sent. */
    public long sent() {
        return sent.sum();
    }

    /** Copies the relay should deliver for what was sent (each send times its receivers). */
    public long expectedCopies() {
        return expectedCopies.sum();
    }

    /** Distinct copies delivered. */
    public long delivered() {
        return delivered.sum();
    }

    /** Copies delivered more than once. */
    public long duplicates() {
        return duplicates.sum();
    }

    /** Copies delivered after a later one from the same sender. */
    public long reordered() {
        return reordered.sum();
    }

    /** Sequence gaps still open now: datagrams missing so far (some may still arrive). */
    public long openGaps() {
        return openGaps.sum();
    }

    /** Datagrams a peer received from itself. */
    public long echoed() {
        return echoed.sum();
    }

    /** PONGs received. */
    public long pongs() {
        return pongs.sum();
    }

    /** Keepalive PINGs sent. */
    public long keepalives() {
        return keepalives.sum();
    }

    /** Extra BIND_OKs and CHALLENGEs received. */
    public long controlReplies() {
        return controlReplies.sum();
    }

    /** Failed sends. */
    public long sendErrors() {
        return sendErrors.sum();
    }

    /** Failed receives. */
    public long receiveErrors() {
        return receiveErrors.sum();
    }

    /** Corrupt datagrams, by kind (every kind present). */
    public Map<Corruption, Long> corrupt() {
        EnumMap<Corruption, Long> counts = new EnumMap<>(Corruption.class);
        corrupt.forEach((kind, adder) -> counts.put(kind, adder.sum()));
        return counts;
    }

    /** Corrupt datagrams of every kind. */
    public long corruptTotal() {
        long total = 0;
        for (LongAdder adder : corrupt.values()) {
            total += adder.sum();
        }
        return total;
    }

    /** Latencies of warmup datagrams since the last call. Reporter thread only. */
    public Histogram takeWarmupLatency() {
        return warmupLatency.getIntervalHistogram();
    }

    /** Latencies of measured datagrams since the last call. Reporter thread only. */
    public Histogram takeMeasuredLatency() {
        return measuredLatency.getIntervalHistogram();
    }

    /** Scheduler lag of warmup sends since the last call. Reporter thread only. */
    public Histogram takeWarmupLag() {
        return warmupLag.getIntervalHistogram();
    }

    /** Scheduler lag of measured sends since the last call. Reporter thread only. */
    public Histogram takeMeasuredLag() {
        return measuredLag.getIntervalHistogram();
    }

    /** Join times since the last call. Reporter thread only. */
    public Histogram takeJoinLatency() {
        return joinLatency.getIntervalHistogram();
    }

    private static long clamp(long nanos) {
        return Math.clamp(nanos, 0, HIGHEST_TRACKABLE_NS);
    }
}
