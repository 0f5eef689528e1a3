package io.chanmux.loadtest.traffic;

import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ControlEvent;
import io.chanmux.protocol.client.Membership;
import io.chanmux.protocol.client.PeerKeepalive;
import io.chanmux.protocol.control.EventType;
import io.chanmux.protocol.wire.Datagram;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.TimeUnit;

/**
 * One real chanmux peer, as a client application would be: its own control session
 * ({@code hello}, {@code join}), its own UDP socket bound with the join token, and two virtual
 * threads. The sender thread sends DATA on the peer's {@link RateScheduler} and ticks the peer's
 * {@link PeerKeepalive} (a PING every keepalive interval; a BIND again when PONGs stop or the
 * server hints that the peer's address changed); the receiver thread hands the keepalive its
 * PONGs and CHALLENGEs, verifies every other datagram that arrives and accounts for it in the
 * peer's {@link DeliveryRecorder} and the shared {@link TrafficCounters}.
 *
 * <p>Threading: {@link #run} is the peer's thread; it connects, then becomes the sender and forks
 * the receiver in a scope of its own, and releases everything in one try/finally. The run's owner
 * calls {@link #assign} before signalling the start; {@link #senderWindow} and the recorder are
 * read after {@link #run} returned. Both loops send and receive on reused direct buffers: nothing
 * is allocated per datagram. The receiver stops when the stop signal closes the socket.
 */
public final class SimulatedPeer {
    /** Senders wake on multiples of this (of {@code System.nanoTime()}); see {@link #onTick}. */
    static final long SEND_TICK_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private final String name;
    private final int channelIndex;
    private final String channelId;
    private final PeerContext context;
    private final TrafficCounters counters;
    private final PayloadFormat format;
    private volatile ChanmuxClient client;
    private volatile DatagramChannel udp;
    private volatile PeerKeepalive keepalive;
    private volatile int peer;
    /** When the sender thread ticks the keepalive next. Sender thread only. */
    private long nextTickNs;
    private volatile TrafficPlan plan;
    private volatile SenderWindow senderWindow;

    /**
     * @param name         a label for logs and errors, such as {@code c12-p3}
     * @param channelIndex the channel's position in the run
     * @param channelId    the channel to join
     * @param context      what all peers share
     */
    public SimulatedPeer(String name, int channelIndex, String channelId, PeerContext context) {
        this.name = name;
        this.channelIndex = channelIndex;
        this.channelId = channelId;
        this.context = context;
        this.counters = context.counters();
        this.format = context.format();
    }

    /** The label given at construction. */
    public String name() {
        return name;
    }

    /** The channel's position in the run. */
    public int channelIndex() {
        return channelIndex;
    }

    /** The peer id the server assigned (0 until joined). */
    public int peer() {
        return peer;
    }

    /** Whether the peer joined and bound. */
    public boolean isConnected() {
        return keepalive != null;
    }

    /** How many times the peer bound again after a lapse or a {@code rebind} hint (0 until connected). */
    public long rebinds() {
        PeerKeepalive connected = keepalive;
        return connected == null ? 0 : connected.rebinds();
    }

    /** Gives the peer its part in the traffic. Owner thread, before {@link TrafficSignals#start}. */
    public void assign(TrafficPlan trafficPlan) {
        this.plan = trafficPlan;
    }

    /** The peer's traffic plan, or null when it was never assigned one. */
    public TrafficPlan plan() {
        return plan;
    }

    /** What this peer sent, or null when it sent nothing. Valid after {@link #run} returned. */
    public SenderWindow senderWindow() {
        return senderWindow;
    }

    /** The peer's thread: connect, send and receive until stopped, then close everything. */
    public void run() {
        long began = System.nanoTime();
        try {
            try {
                connect();
                counters.onJoined(System.nanoTime() - began);
                context.connects().connected();
            } catch (IOException | RuntimeException e) {
                context.connects().failed(name, e);
                return;
            }
            try (var scope = StructuredTaskScope.open(Joiner.awaitAll(), cfg -> cfg.withName("peer-" + name))) {
                scope.fork(this::receive);
                try {
                    send();
                } finally {
                    closeUdp();
                }
                scope.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeUdp();
            closeControl();
        }
    }

    private void connect() throws IOException {
        ChanmuxClient session = ChanmuxClient.connect(context.control(), this::onEvent, context.requestTimeout());
        client = session;
        session.hello("chanmux-loadtest " + name);
        Membership joined = session.joinMembership(channelId, null);
        peer = joined.peer();
        DatagramChannel socket = DatagramChannel.open();
        try {
            if (context.receiveBufferBytes() > 0) {
                socket.setOption(StandardSocketOptions.SO_RCVBUF, context.receiveBufferBytes());
            }
            socket.connect(joined.relay());
            PeerKeepalive keeper = new PeerKeepalive(joined.peer(), joined.token(), joined.relay(), context.keepalive(),
                    System.nanoTime());
            keeper.bind(socket, context.bindTimeout());
            udp = socket;
            keepalive = keeper;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** The server heard this peer from a new address: bind again at the sender's next tick. Reader thread. */
    private void onEvent(ControlEvent event) {
        PeerKeepalive keeper = keepalive;
        if (keeper != null && event.type() == EventType.REBIND && event.peer() == Integer.toUnsignedLong(peer)) {
            keeper.hint();
        }
    }

    // ---- sender thread ------------------------------------------------------------------------

    private void send() throws InterruptedException {
        DatagramChannel socket = udp;
        ByteBuffer scratch = ByteBuffer.allocateDirect(PeerKeepalive.SCRATCH_BYTES);
        TrafficSignals signals = context.signals();
        nextTickNs = System.nanoTime();
        while (!signals.awaitStart(keepAlive(socket, scratch) - System.nanoTime())) {
            // the keepalive ticked; wait for the start, or its next tick
        }
        TrafficPlan assigned = plan;
        if (assigned != null) {
            try {
                if (!assigned.sends()) {
                    keepAliveUntil(socket, scratch, assigned.timeline().trafficEndNs());
                } else if (assigned.unpaced()) {
                    sendUnpaced(socket, scratch, assigned);
                } else {
                    sendScheduled(socket, scratch, assigned);
                }
            } finally {
                assigned.sendingFinished().countDown();
            }
        }
        while (!signals.awaitStop(keepAlive(socket, scratch) - System.nanoTime())) {
            // the keepalive ticked; wait for the stop, or its next tick
        }
    }

    /** Ticks the keepalive if it is due (a PING, or a BIND while re-binding); returns when it is due next. */
    private long keepAlive(DatagramChannel socket, ByteBuffer scratch) {
        long now = System.nanoTime();
        if (now - nextTickNs >= 0) {
            PeerKeepalive keeper = keepalive;
            long pings = keeper.pings();
            try {
                nextTickNs = keeper.tick(now, socket, scratch);
                if (keeper.pings() != pings) {
                    counters.onKeepalive();
                }
            } catch (IOException e) {
                // ICMP port unreachable surfaces here; a closed socket means we are stopping.
                if (socket.isOpen()) {
                    counters.onSendError();
                }
                nextTickNs = now + PeerKeepalive.FIRST_BIND_RETRY.toNanos();
            }
        }
        return nextTickNs;
    }

    private void sendScheduled(DatagramChannel udp, ByteBuffer scratch, TrafficPlan assigned)
            throws InterruptedException {
        RateScheduler schedule = assigned.scheduler();
        RunTimeline timeline = assigned.timeline();
        ByteBuffer data = ByteBuffer.allocateDirect(format.datagramBytes());
        long firstMeasured = schedule.firstSequenceAtOrAfter(timeline.measureStartNs());
        int burst = 0;
        while (true) {
            long now = System.nanoTime();
            long sequence = schedule.takeDue(now);
            if (sequence >= 0) {
                long sentNs = System.nanoTime();
                if (write(udp, format.encode(data, peer, sequence, sentNs))) {
                    counters.onSent(assigned.copies(), sentNs - schedule.intendedNs(sequence),
                            timeline.isMeasured(sentNs));
                }
                if (++burst % 16 == 0) {
                    Thread.yield(); // catching up after a stall: let receivers run between batches
                }
                continue;
            }
            if (sequence == RateScheduler.FINISHED) {
                break;
            }
            burst = 0;
            long wakeNs = Math.min(onTick(schedule.nextIntendedNs()), keepAlive(udp, scratch));
            if (wakeNs - now > 0) {
                TimeUnit.NANOSECONDS.sleep(wakeNs - now);
            }
        }
        senderWindow = new SenderWindow(peer, firstMeasured, schedule.nextSequence());
    }

    /**
     * The first send tick at or after {@code ns}. Senders sleep until ticks rather than exact
     * times so that thousands of them wake together: 8,000 senders at 5/s would otherwise make
     * the timer wake 40,000 times a second, one sender each, and the context switches cost more
     * CPU than the sends. A datagram leaves at most one tick after its intended time; that is
     * reported as scheduler lag, and latency is measured from the real send time.
     */
    static long onTick(long ns) {
        return Math.ceilDiv(ns, SEND_TICK_NS) * SEND_TICK_NS;
    }

    private void sendUnpaced(DatagramChannel udp, ByteBuffer scratch, TrafficPlan assigned) throws InterruptedException {
        RunTimeline timeline = assigned.timeline();
        keepAliveUntil(udp, scratch, timeline.trafficStartNs());
        ByteBuffer data = ByteBuffer.allocateDirect(format.datagramBytes());
        long sequence = 0;
        long firstMeasured = -1;
        while (true) {
            long now = System.nanoTime();
            if (now - timeline.trafficEndNs() >= 0) {
                break;
            }
            boolean measured = timeline.isMeasured(now);
            if (measured && firstMeasured < 0) {
                firstMeasured = sequence;
            }
            if (write(udp, format.encode(data, peer, sequence, now))) {
                counters.onSent(assigned.copies(), 0, measured);
            }
            keepAlive(udp, scratch);
            sequence++;
            Thread.yield(); // never parks otherwise: without this it would starve the receivers
        }
        senderWindow = new SenderWindow(peer, firstMeasured < 0 ? sequence : firstMeasured, sequence);
    }

    private void keepAliveUntil(DatagramChannel udp, ByteBuffer scratch, long untilNs) throws InterruptedException {
        while (true) {
            long next = keepAlive(udp, scratch);
            long now = System.nanoTime();
            if (now - untilNs >= 0) {
                return;
            }
            TimeUnit.NANOSECONDS.sleep(Math.max(0, Math.min(untilNs, next) - now));
        }
    }

    private boolean write(DatagramChannel udp, ByteBuffer datagram) {
        try {
            udp.write(datagram);
            return true;
        } catch (IOException e) {
            // ICMP port unreachable surfaces here; a closed socket means we are stopping.
            if (udp.isOpen()) {
                counters.onSendError();
            }
            return false;
        }
    }

    // ---- receiver thread ----------------------------------------------------------------------

    private void receive() {
        DatagramChannel socket = udp;
        PeerKeepalive keeper = keepalive;
        ByteBuffer scratch = ByteBuffer.allocateDirect(PeerKeepalive.SCRATCH_BYTES);
        // One byte more than a valid datagram, so a longer one shows up as a bad length.
        ByteBuffer buffer = ByteBuffer.allocateDirect(format.datagramBytes() + 1);
        while (true) {
            buffer.clear();
            try {
                socket.read(buffer);
                long receivedNs = System.nanoTime();
                if (keeper.onReceived(buffer.flip(), receivedNs, socket, scratch)) {
                    if (buffer.get(0) == Datagram.PONG) {
                        counters.onPong();
                    } else {
                        counters.onControlReply();
                    }
                    continue;
                }
                onDatagram(buffer, buffer.limit(), receivedNs);
            } catch (ClosedChannelException closed) {
                return; // the normal way out: stop closed the socket
            } catch (IOException e) {
                counters.onReceiveError();
            }
        }
    }

    private void onDatagram(ByteBuffer datagram, int length, long receivedNs) {
        Corruption corruption = format.verify(datagram, length);
        if (corruption != null) {
            counters.onCorrupt(corruption);
            return;
        }
        int sender = PayloadFormat.sender(datagram);
        if (sender == peer) {
            counters.onEchoed();
            return;
        }
        TrafficPlan assigned = plan;
        if (assigned == null) {
            counters.onCorrupt(Corruption.UNKNOWN_SENDER);
            return;
        }
        long sentNs = PayloadFormat.sendNanos(datagram);
        boolean measured = assigned.timeline().isMeasured(sentNs);
        DeliveryRecorder recorder = assigned.recorder();
        switch (recorder.record(sender, PayloadFormat.sequence(datagram))) {
            case IN_ORDER -> counters.onDelivered(receivedNs - sentNs, measured, recorder.gapsOpenedByLast());
            case REORDERED -> counters.onReordered(receivedNs - sentNs, measured);
            case DUPLICATE -> counters.onDuplicate();
            case UNKNOWN_SENDER -> counters.onCorrupt(Corruption.UNKNOWN_SENDER);
            case BAD_SEQUENCE -> counters.onCorrupt(Corruption.BAD_SEQUENCE);
        }
    }

    private void closeUdp() {
        DatagramChannel socket = udp;
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing is the way out; nothing left to release
            }
        }
    }

    private void closeControl() {
        ChanmuxClient session = client;
        if (session != null) {
            try {
                session.close();
            } catch (IOException ignored) {
                // the server sees the connection end either way
            }
        }
    }
}
