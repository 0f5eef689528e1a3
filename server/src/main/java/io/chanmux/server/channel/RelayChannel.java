package io.chanmux.server.channel;

import java.util.concurrent.ThreadLocalRandom;

/**
 * One channel as the data plane sees it: its id, its UDP port, its members (the immutable {@link
 * PeerTable} its pool publishes) and its counters. It owns no socket and no thread: a {@link
 * RelayPort} serves it, either one of its own (per-channel ports) or the shared port's, whose
 * socket threads serve every channel.
 *
 * <p>Threading: the owning pool's thread calls {@link #publish}; any thread reads. The counters
 * have one row per socket thread that may serve the channel ({@link #writers}).
 */
public final class RelayChannel {
    private final String id;
    private final int port;
    private final int writers;
    private final RelayCounters counters;
    private final RebindSignal rebindSignal;
    private final int challengeSalt = ThreadLocalRandom.current().nextInt();
    private volatile PeerTable peers = PeerTable.EMPTY;

    /**
     * @param port    the UDP port clients send to
     * @param writers how many socket threads may serve it: 1 with a port of its own, else the
     *                shared port's socket count
     * @param rebindSignal its pool's, raised when a member's id comes from a wrong source
     */
    public RelayChannel(String id, int port, int writers, RebindSignal rebindSignal) {
        this.id = id;
        this.port = port;
        this.writers = writers;
        this.counters = new RelayCounters(writers);
        this.rebindSignal = rebindSignal;
    }

    /** The channel id. */
    public String id() {
        return id;
    }

    /** The UDP port that serves the channel. */
    public int port() {
        return port;
    }

    /** How many socket threads may serve the channel, each with its own row of counters. */
    public int writers() {
        return writers;
    }

    /** The current member snapshot. */
    public PeerTable peers() {
        return peers;
    }

    /** The member with {@code peerId}, or null; one volatile read and a binary search. */
    public Peer find(int peerId) {
        return peers.find(peerId);
    }

    /** Random per channel: mixed into the per-source challenge budget's key, which is per channel ({@link SourceChallengeLimits}). */
    int challengeSalt() {
        return challengeSalt;
    }

    /** This channel's counters. */
    public RelayCounters counters() {
        return counters;
    }

    /** Its pool's signal that a member's id came from an address it is not bound to. */
    public RebindSignal rebindSignal() {
        return rebindSignal;
    }

    /** Installs a new member snapshot. Pool thread only. */
    public void publish(PeerTable table) {
        peers = table;
    }
}
