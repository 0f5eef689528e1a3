package io.chanmux.loadtest.traffic;

import io.chanmux.protocol.wire.Datagram;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * Sends for every paced sender of the run from one thread: a min-heap of senders ordered by when
 * each next has something to send (a DATA datagram on its {@link RateScheduler}, or a keepalive
 * PING), and one sleep per {@linkplain #SEND_TICK_NS tick} after which everything due goes out.
 * It replaces a sender thread per peer, whose every datagram cost a timed park and an unpark;
 * here a tick costs one wake-up however many senders it serves, one encode buffer is reused for
 * all of them, and nothing is allocated per datagram.
 *
 * <p>Threading: {@link #run} is the loop's own platform thread and the only one that touches the
 * heap and the senders' state; the run's owner builds the loop with every sender before the
 * traffic starts. When a sender's schedule is over the loop publishes its {@link SenderWindow}
 * through {@link SimulatedPeer#finishSending} and counts down the plan's latch.
 */
public final class SendLoop {
    /** Senders wake on multiples of this (of {@code System.nanoTime()}); see {@link #onTick}. */
    static final long SEND_TICK_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private final PriorityQueue<Sender> due;
    private final TrafficCounters counters;
    private final PayloadFormat format;
    private final TrafficSignals signals;
    private final long keepaliveNs;
    private final ByteBuffer data;
    private final ByteBuffer ping = ByteBuffer.allocateDirect(Datagram.PING_BYTES);

    /** One sender's state, owned by the loop's thread. */
    private static final class Sender {
        final SimulatedPeer peer;
        final int id;
        final DatagramChannel udp;
        final RateScheduler schedule;
        final TrafficPlan plan;
        final long firstMeasured;
        long lastSentNs;
        long wakeNs;

        Sender(SimulatedPeer peer, TrafficPlan plan, long nowNs) {
            this.peer = peer;
            this.id = peer.peer();
            this.udp = peer.datagramChannel();
            this.plan = plan;
            this.schedule = plan.scheduler();
            this.firstMeasured = schedule.firstSequenceAtOrAfter(plan.timeline().measureStartNs());
            this.lastSentNs = nowNs;
        }
    }

    /**
     * @param senders     the connected peers that send on a schedule (each with its plan assigned)
     * @param context     what all peers share
     */
    public SendLoop(List<SimulatedPeer> senders, PeerContext context) {
        this.counters = context.counters();
        this.format = context.format();
        this.signals = context.signals();
        this.keepaliveNs = context.keepalive().toNanos();
        this.data = ByteBuffer.allocateDirect(format.datagramBytes());
        this.due = new PriorityQueue<>(Math.max(1, senders.size()), (a, b) -> Long.compare(a.wakeNs - b.wakeNs, 0));
        long now = System.nanoTime();
        for (SimulatedPeer peer : senders) {
            Sender sender = new Sender(peer, peer.plan(), now);
            sender.wakeNs = nextWake(sender);
            due.add(sender);
        }
    }

    /**
     * The first send tick at or after {@code ns}. Senders sleep until ticks rather than exact
     * times so that many are served per wake-up: 8,000 senders at 5/s would otherwise wake the
     * loop 40,000 times a second. A datagram leaves at most one tick after its intended time;
     * that is reported as scheduler lag, and latency is measured from the real send time.
     */
    static long onTick(long ns) {
        return Math.ceilDiv(ns, SEND_TICK_NS) * SEND_TICK_NS;
    }

    /** The loop's thread: until every schedule is over (or the run stops early). */
    public void run() {
        try {
            while (!due.isEmpty()) {
                long waitNs = due.peek().wakeNs - System.nanoTime();
                if (waitNs > 0 && signals.awaitStop(waitNs)) {
                    break;
                }
                long now = System.nanoTime();
                Sender sender;
                while ((sender = due.peek()) != null && sender.wakeNs - now <= 0) {
                    due.poll();
                    if (serve(sender, now)) {
                        sender.wakeNs = nextWake(sender);
                        due.add(sender);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Sender left;
            while ((left = due.poll()) != null) {
                finish(left); // stopped early: what was sent so far is the sender's window
            }
        }
    }

    /** Sends what is due for one sender at {@code nowNs}; false when its schedule is over. */
    private boolean serve(Sender sender, long nowNs) {
        RateScheduler schedule = sender.schedule;
        RunTimeline timeline = sender.plan.timeline();
        boolean sent = false;
        long sequence;
        while ((sequence = schedule.takeDue(nowNs)) >= 0) { // after a stall: every overdue datagram at once
            long sentNs = System.nanoTime();
            if (write(sender.udp, format.encode(data, sender.id, sequence, sentNs))) {
                counters.onSent(sender.plan.copies(), sentNs - schedule.intendedNs(sequence),
                        timeline.isMeasured(sentNs));
            }
            sender.lastSentNs = sentNs;
            sent = true;
        }
        if (sequence == RateScheduler.FINISHED) {
            finish(sender);
            return false;
        }
        if (!sent && nowNs - sender.lastSentNs >= keepaliveNs) {
            if (write(sender.udp, Datagram.encodePing(ping, sender.id, nowNs))) {
                counters.onKeepalive();
            }
            sender.lastSentNs = nowNs;
        }
        return true;
    }

    private long nextWake(Sender sender) {
        long dataNs = onTick(sender.schedule.nextIntendedNs());
        long keepaliveDueNs = sender.lastSentNs + keepaliveNs;
        return keepaliveDueNs - dataNs < 0 ? keepaliveDueNs : dataNs;
    }

    private void finish(Sender sender) {
        sender.peer.finishSending(new SenderWindow(sender.id, sender.firstMeasured, sender.schedule.nextSequence()));
        sender.plan.sendingFinished().countDown();
    }

    private boolean write(DatagramChannel udp, ByteBuffer datagram) {
        try {
            if (udp.write(datagram) > 0) {
                return true;
            }
            counters.onSendError(); // the socket is non-blocking (see ReceiveLoop): its send buffer was full
            return false;
        } catch (IOException e) {
            // ICMP port unreachable surfaces here; a closed socket means we are stopping.
            if (udp.isOpen()) {
                counters.onSendError();
            }
            return false;
        }
    }
}
