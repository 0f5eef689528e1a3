package io.chanmux.loadtest.traffic;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Map;

/**
 * One receiver's account of every sender in its channel, from sequence numbers alone: which
 * numbers arrived (a bit set per sender, sized up front so the hot path rarely allocates), the
 * highest so far, and how many arrived twice or out of order. Loss is decided only at the end,
 * against each sender's {@link SenderWindow}, after the drain period: a gap that is still open
 * then is a lost datagram, one that closed was reordering.
 *
 * <p>While traffic runs, {@link #record} also reports how many gaps each datagram opened or
 * closed, so the progress line can show loss so far without waiting for the end.
 *
 * <p>Single writer: the receiving peer's receiver thread calls {@link #record}; {@link #tally}
 * is called after that thread ended.
 */
public final class DeliveryRecorder {
    /** What {@link #record} made of a datagram. */
    public enum Outcome {
        /** New, and higher than any before from this sender (it may have skipped some: a gap). */
        IN_ORDER,
        /** New, but lower than one already seen: it closed a gap. */
        REORDERED,
        /** Seen before. */
        DUPLICATE,
        /** Its sender is not a sending member of this channel. */
        UNKNOWN_SENDER,
        /** Its sequence number is negative or too large to track. */
        BAD_SEQUENCE
    }

    /** Sequence numbers at or above this cannot be tracked (a bit set index is an int). */
    public static final long MAX_SEQUENCE = Integer.MAX_VALUE - 64;

    private final int[] senders;
    private final BitSet[] seen;
    private final long[] highest;
    private final long[] duplicates;
    private final long[] reordered;
    private long gapsOpenedByLast;

    /**
     * @param senderIds       peer ids of the channel's senders, this receiver excluded
     * @param expectedPerSender how many datagrams each sender is expected to send, to size the bit sets
     */
    public DeliveryRecorder(int[] senderIds, long expectedPerSender) {
        this.senders = senderIds.clone();
        Arrays.sort(senders);
        int n = senders.length;
        this.seen = new BitSet[n];
        int bits = Math.clamp(expectedPerSender + expectedPerSender / 8 + 64, 64, 1 << 26);
        for (int i = 0; i < n; i++) {
            seen[i] = new BitSet(bits);
        }
        this.highest = new long[n];
        Arrays.fill(highest, -1);
        this.duplicates = new long[n];
        this.reordered = new long[n];
    }

    /** The senders this receiver expects, sorted. */
    public int[] senders() {
        return senders.clone();
    }

    /** Accounts for one verified datagram. */
    public Outcome record(int sender, long sequence) {
        gapsOpenedByLast = 0;
        int slot = Arrays.binarySearch(senders, sender);
        if (slot < 0) {
            return Outcome.UNKNOWN_SENDER;
        }
        if (sequence < 0 || sequence >= MAX_SEQUENCE) {
            return Outcome.BAD_SEQUENCE;
        }
        BitSet bits = seen[slot];
        int index = (int) sequence;
        if (bits.get(index)) {
            duplicates[slot]++;
            return Outcome.DUPLICATE;
        }
        bits.set(index);
        if (sequence > highest[slot]) {
            gapsOpenedByLast = sequence - highest[slot] - 1;
            highest[slot] = sequence;
            return Outcome.IN_ORDER;
        }
        reordered[slot]++;
        return Outcome.REORDERED;
    }

    /** How many sequence numbers the last {@link Outcome#IN_ORDER} datagram skipped. */
    public long gapsOpenedByLast() {
        return gapsOpenedByLast;
    }

    /**
     * The final account against what each sender really sent. A sender without a window (it
     * never started) is expected to have sent nothing.
     */
    public DeliveryTally tally(Map<Integer, SenderWindow> windows) {
        DeliveryTally total = DeliveryTally.EMPTY;
        for (int i = 0; i < senders.length; i++) {
            SenderWindow window = windows.get(senders[i]);
            long firstMeasured = window == null ? 0 : window.firstMeasured();
            long end = window == null ? 0 : window.end();
            BitSet bits = seen[i];
            long warmupDelivered = bits.get(0, (int) firstMeasured).cardinality();
            long delivered = bits.get((int) firstMeasured, (int) end).cardinality();
            long beyond = bits.cardinality() - warmupDelivered - delivered;
            total = total.plus(new DeliveryTally(end - firstMeasured, delivered, firstMeasured, warmupDelivered,
                    duplicates[i], reordered[i], beyond));
        }
        return total;
    }
}
