package io.chanmux.loadtest.traffic;

import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.PeerHandle;
import io.chanmux.protocol.wire.Datagram;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;

/**
 * One real chanmux peer, as a client application would be: its own control session
 * ({@code hello}, {@code join}) and its own UDP socket bound with the join token. Its virtual
 * thread connects, keeps the peer alive with PINGs while it has nothing to send, and, with
 * {@code --rate max}, sends as fast as it can. Paced DATA goes out from the run's
 * {@link SendLoop}, and everything that arrives is read by a {@link ReceiveLoop}, which verifies
 * it in {@link #onDatagram} and accounts for it in the peer's {@link DeliveryRecorder} and the
 * shared {@link TrafficCounters}: a thread per peer for each would cost a park and an unpark per
 * datagram.
 *
 * <p>Threading: {@link #run} is the peer's thread and releases everything in one try/finally.
 * The run's owner calls {@link #assign} before signalling the start; {@link #onDatagram} runs
 * on the one receive loop the peer registered with; {@link #finishSending} on the send loop (or
 * this peer's thread when it sends unpaced). {@link #senderWindow} and the recorder are read
 * after the loops and {@link #run} ended. Nothing is allocated per datagram.
 */
public final class SimulatedPeer {
    private final String name;
    private final int channelIndex;
    private final String channelId;
    private final PeerContext context;
    private final TrafficCounters counters;
    private final PayloadFormat format;
    private final long keepaliveNs;
    private volatile ChanmuxClient client;
    private volatile PeerHandle handle;
    private volatile int peer;
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
        this.keepaliveNs = context.keepalive().toNanos();
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
        return handle != null;
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

    /** Whether this peer sends DATA on a schedule, so the {@link SendLoop} sends for it. */
    public boolean sendsPaced() {
        TrafficPlan assigned = plan;
        return isConnected() && assigned != null && assigned.sends() && !assigned.unpaced();
    }

    /** The peer's UDP socket (non-blocking once registered with a {@link ReceiveLoop}). */
    DatagramChannel datagramChannel() {
        return handle.datagramChannel();
    }

    /** Records what the peer sent, once its schedule is over. */
    void finishSending(SenderWindow window) {
        senderWindow = window;
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
            send();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeUdp();
            closeControl();
        }
    }

    private void connect() throws IOException {
        ChanmuxClient session = ChanmuxClient.connect(context.control(), context.tls(), event -> { },
                context.requestTimeout());
        client = session;
        session.hello("chanmux-loadtest " + name);
        PeerHandle joined = session.join(channelId);
        try {
            if (context.receiveBufferBytes() > 0) {
                joined.datagramChannel().setOption(StandardSocketOptions.SO_RCVBUF, context.receiveBufferBytes());
            }
            peer = joined.peer();
            joined.bind(context.bindTimeout());
        } catch (IOException | RuntimeException e) {
            joined.close();
            throw e;
        }
        handle = joined;
        try {
            context.receiveLoopFor(channelIndex).register(this, joined.datagramChannel());
        } catch (IOException e) {
            handle = null;
            joined.close();
            throw e;
        }
    }

    // ---- sender thread ------------------------------------------------------------------------

    private void send() throws InterruptedException {
        DatagramChannel udp = handle.datagramChannel();
        ByteBuffer ping = ByteBuffer.allocateDirect(Datagram.PING_BYTES);
        TrafficSignals signals = context.signals();
        while (!signals.awaitStart(keepaliveNs)) {
            sendPing(udp, ping);
        }
        TrafficPlan assigned = plan;
        if (assigned != null) {
            try {
                if (!assigned.sends()) {
                    keepAliveUntil(udp, ping, assigned.timeline().trafficEndNs());
                } else if (assigned.unpaced()) {
                    sendUnpaced(udp, ping, assigned);
                }
            } finally {
                if (!assigned.sends() || assigned.unpaced()) {
                    assigned.sendingFinished().countDown();
                }
            }
            if (sendsPaced()) {
                // The send loop sends for this peer, keepalives included, until the traffic ends.
                long untilEndNs = assigned.timeline().trafficEndNs() - System.nanoTime();
                if (untilEndNs > 0 && signals.awaitStop(untilEndNs)) {
                    return;
                }
            }
        }
        while (!signals.awaitStop(keepaliveNs)) {
            sendPing(udp, ping);
        }
    }

    private void sendUnpaced(DatagramChannel udp, ByteBuffer ping, TrafficPlan assigned) throws InterruptedException {
        RunTimeline timeline = assigned.timeline();
        keepAliveUntil(udp, ping, timeline.trafficStartNs());
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
            sequence++;
            Thread.yield(); // never parks otherwise: without this it would starve the receivers
        }
        senderWindow = new SenderWindow(peer, firstMeasured < 0 ? sequence : firstMeasured, sequence);
    }

    private void keepAliveUntil(DatagramChannel udp, ByteBuffer ping, long untilNs) throws InterruptedException {
        long lastSentNs = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            if (now - untilNs >= 0) {
                return;
            }
            if (now - lastSentNs >= keepaliveNs) {
                sendPing(udp, ping);
                lastSentNs = now;
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(untilNs - now, keepaliveNs - (now - lastSentNs)));
        }
    }

    private void sendPing(DatagramChannel udp, ByteBuffer ping) {
        if (write(udp, Datagram.encodePing(ping, peer, System.nanoTime()))) {
            counters.onKeepalive();
        }
    }

    private boolean write(DatagramChannel udp, ByteBuffer datagram) {
        try {
            if (udp.write(datagram) > 0) {
                return true;
            }
            counters.onSendError(); // non-blocking (see ReceiveLoop): the socket's send buffer was full
            return false;
        } catch (IOException e) {
            // ICMP port unreachable surfaces here; a closed socket means we are stopping.
            if (udp.isOpen()) {
                counters.onSendError();
            }
            return false;
        }
    }

    // ---- receive loop thread ------------------------------------------------------------------

    /**
     * Verifies and accounts for one datagram that arrived for this peer, {@code length} bytes
     * at the start of {@code datagram}. Called by the peer's {@link ReceiveLoop} only.
     */
    void onDatagram(ByteBuffer datagram, int length, long receivedNs) {
        if (length >= Datagram.HEADER_BYTES && datagram.getInt(1) == peer) {
            byte type = datagram.get(0);
            if (type == Datagram.PONG && length == Datagram.PING_BYTES) {
                counters.onPong();
                return;
            }
            if ((type == Datagram.BIND_OK && length == Datagram.HEADER_BYTES)
                    || (type == Datagram.CHALLENGE && length == Datagram.CHALLENGE_BYTES)) {
                counters.onControlReply();
                return;
            }
        }
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
        PeerHandle udp = handle;
        if (udp != null) {
            try {
                udp.close();
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
