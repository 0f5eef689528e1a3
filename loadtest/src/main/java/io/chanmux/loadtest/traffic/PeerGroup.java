package io.chanmux.loadtest.traffic;

import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ControlEvent;
import io.chanmux.protocol.client.Membership;
import io.chanmux.protocol.client.PeerKeepalive;
import io.chanmux.protocol.control.EventType;
import io.chanmux.protocol.wire.Datagram;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Peers of many channels on one control session and one UDP socket, as a client that holds many
 * memberships at once: the session joins each channel in turn, and the socket binds and keeps
 * every peer with a {@link PeerKeepalive} of its own. Two virtual threads do the work: the ticker
 * sends what each keepalive asks for (BINDs, then a PING every interval, a BIND again on a lapse or
 * a {@code rebind} hint), the receiver hands each PONG, CHALLENGE and BIND_OK to the keepalive of
 * the peer it names. A socket carries at most one peer of a channel, since the server tells the
 * peers of a channel apart by address; so does a session, since the server allows one peer per
 * session and channel.
 *
 * <p>Threading: {@link #run} is the group's thread (connect, bind, then tick until stopped); it
 * starts the receiver and stops it by closing the socket. The counters are shared {@link
 * LongAdder}s; {@link #peers} and {@link #rebinds} are read after the run.
 */
public final class PeerGroup {
    /** Ticks are batched to this, so thousands of peers on a socket cost one wake-up per tick, not one each. */
    private static final long TICK_NS = TimeUnit.MILLISECONDS.toNanos(50);

    private final String name;
    private final List<String> channels;
    private final Settings settings;
    private final Tally tally;
    private volatile ChanmuxClient session;
    private volatile DatagramChannel udp;
    /** The peers' keepalives, sorted by peer id for the receiver's lookup; set once joined. */
    private volatile PeerKeepalive[] keepalives = new PeerKeepalive[0];
    private volatile int[] peerIds = new int[0];
    /** The group's thread while it binds: the receiver wakes it on each BIND_OK. */
    private volatile Thread binder;

    /**
     * What every group of a run shares.
     *
     * @param control            the server's control address
     * @param keepalive          between PINGs
     * @param requestTimeout     for each control request
     * @param bindTimeout        for the whole group's binding
     * @param receiveBufferBytes SO_RCVBUF of the socket, 0 for the system default
     */
    public record Settings(InetSocketAddress control, Duration keepalive, Duration requestTimeout,
                           Duration bindTimeout, int receiveBufferBytes) {
    }

    /** Counters every group of a run adds to. Thread-safe. */
    public record Tally(LongAdder joined, LongAdder bound, LongAdder pings, LongAdder pongs, LongAdder receiveErrors) {
        /** All at zero. */
        public Tally() {
            this(new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder());
        }
    }

    /**
     * @param name     a label for errors, such as {@code g12}
     * @param channels the channels to join, all distinct
     */
    public PeerGroup(String name, List<String> channels, Settings settings, Tally tally) {
        this.name = name;
        this.channels = List.copyOf(channels);
        this.settings = settings;
        this.tally = tally;
    }

    /** The label given at construction. */
    public String name() {
        return name;
    }

    /** Peers joined so far. */
    public int peers() {
        return keepalives.length;
    }

    /** Re-binds after a lapse or a hint, over every peer of the group. */
    public long rebinds() {
        long rebinds = 0;
        for (PeerKeepalive keepalive : keepalives) {
            rebinds += keepalive.rebinds();
        }
        return rebinds;
    }

    /**
     * Joins every channel and binds every peer; then keeps them alive until {@code stop} opens,
     * and closes the session and the socket.
     *
     * @param connected run once every peer is bound, or when joining or binding failed
     * @throws IOException when a join, the socket or the binding failed
     */
    public void run(Runnable connected, CountDownLatch stop) throws IOException, InterruptedException {
        Thread receiver = null;
        try {
            try {
                join();
                receiver = Thread.ofVirtual().name("group-" + name + "-receiver").start(this::receive);
                bindAll();
            } finally {
                connected.run();
            }
            tickUntil(stop);
        } finally {
            close();
            if (receiver != null) {
                receiver.join();
            }
        }
    }

    private void join() throws IOException {
        ChanmuxClient client = ChanmuxClient.connect(settings.control(), this::onEvent, settings.requestTimeout());
        session = client;
        client.hello("chanmux-loadtest " + name);
        DatagramChannel socket = DatagramChannel.open();
        udp = socket;
        if (settings.receiveBufferBytes() > 0) {
            socket.setOption(StandardSocketOptions.SO_RCVBUF, settings.receiveBufferBytes());
        }
        PeerKeepalive[] joined = new PeerKeepalive[channels.size()];
        for (int i = 0; i < joined.length; i++) {
            Membership membership = client.joinMembership(channels.get(i), null);
            joined[i] = new PeerKeepalive(membership.peer(), membership.token(), membership.relay(),
                    settings.keepalive(), System.nanoTime());
            tally.joined().increment();
        }
        Arrays.sort(joined, (a, b) -> Integer.compare(a.peer(), b.peer()));
        int[] ids = new int[joined.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = joined[i].peer();
        }
        peerIds = ids;
        keepalives = joined;
    }

    /**
     * Ticks until every peer is bound. It sleeps until the next BIND is due or a BIND_OK arrives,
     * not on a fixed tick: thousands of groups binding at once must not cost thousands of wake-ups
     * per retry.
     */
    private void bindAll() throws IOException, InterruptedException {
        binder = Thread.currentThread();
        long deadline = System.nanoTime() + settings.bindTimeout().toNanos();
        long[] next = new long[keepalives.length];
        ByteBuffer scratch = ByteBuffer.allocate(PeerKeepalive.SCRATCH_BYTES);
        while (true) {
            long wake = tickDue(next, scratch);
            int unbound = 0;
            for (PeerKeepalive keepalive : keepalives) {
                unbound += keepalive.isBound() ? 0 : 1;
            }
            if (unbound == 0) {
                binder = null;
                tally.bound().add(keepalives.length);
                return;
            }
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                throw new IOException(unbound + " of " + keepalives.length + " peers of group " + name
                        + " got no BIND_OK within " + settings.bindTimeout());
            }
            LockSupport.parkNanos(Math.max(TICK_NS, Math.min(wake, deadline) - now));
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    /**
     * Ticks until {@code stop} opens. It sleeps between ticks and looks at the latch only when it
     * wakes: thousands of groups in a timed wait on one latch would make every timeout walk all of
     * the latch's waiters.
     */
    private void tickUntil(CountDownLatch stop) throws IOException, InterruptedException {
        long[] next = new long[keepalives.length];
        ByteBuffer scratch = ByteBuffer.allocate(PeerKeepalive.SCRATCH_BYTES);
        while (stop.getCount() > 0) {
            long wake = Math.max(tickDue(next, scratch), System.nanoTime() + TICK_NS);
            TimeUnit.NANOSECONDS.sleep(Math.max(0, wake - System.nanoTime()));
        }
    }

    /** Ticks every keepalive that is due; returns the earliest next tick. */
    private long tickDue(long[] next, ByteBuffer scratch) throws IOException {
        long now = System.nanoTime();
        long earliest = now + settings.keepalive().toNanos();
        PeerKeepalive[] all = keepalives;
        for (int i = 0; i < all.length; i++) {
            if (now - next[i] >= 0) {
                long pings = all[i].pings();
                next[i] = all[i].tick(now, udp, scratch);
                tally.pings().add(all[i].pings() - pings);
            }
            if (next[i] - earliest < 0) {
                earliest = next[i];
            }
        }
        return earliest;
    }

    /** The receiver thread: each datagram to the keepalive of the peer it names, until the socket closes. */
    private void receive() {
        DatagramChannel socket = udp;
        ByteBuffer buffer = ByteBuffer.allocateDirect(2048);
        ByteBuffer scratch = ByteBuffer.allocate(PeerKeepalive.SCRATCH_BYTES);
        while (true) {
            buffer.clear();
            try {
                socket.receive(buffer);
                buffer.flip();
                if (buffer.limit() < Datagram.HEADER_BYTES) {
                    continue;
                }
                int at = Arrays.binarySearch(peerIds, buffer.getInt(1));
                if (at >= 0 && keepalives[at].onReceived(buffer, System.nanoTime(), socket, scratch)) {
                    if (buffer.get(0) == Datagram.PONG) {
                        tally.pongs().increment();
                    } else if (buffer.get(0) == Datagram.BIND_OK && binder != null) {
                        LockSupport.unpark(binder);
                    }
                }
            } catch (ClosedChannelException closed) {
                return; // the group is done
            } catch (IOException e) {
                tally.receiveErrors().increment();
            }
        }
    }

    /** A {@code rebind} hint for one of the group's peers: its keepalive binds again at the next tick. */
    private void onEvent(ControlEvent event) {
        if (event.type() == EventType.REBIND) {
            int at = Arrays.binarySearch(peerIds, (int) event.peer());
            if (at >= 0) {
                keepalives[at].hint();
            }
        }
    }

    private void close() {
        try {
            if (udp != null) {
                udp.close();
            }
            if (session != null) {
                session.close();
            }
        } catch (IOException ignored) {
            // the server sees the session end either way
        }
    }

}
