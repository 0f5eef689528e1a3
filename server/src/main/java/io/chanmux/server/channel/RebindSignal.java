package io.chanmux.server.channel;

import io.chanmux.server.base.RaisedQueue;

/**
 * The peers of a pool whose id has come from an address they are not bound to since the pool
 * last looked, so that its keepalive tick looks at those peers for a {@code rebind} hint, and at
 * no other. Socket threads {@link #raise} a peer after recording the wrong source in its {@link
 * PeerActivity}; the pool's thread {@link #take}s them and then reads their activity. One instance
 * per pool, shared by its channels ({@link RelayChannel}).
 *
 * <p>A {@link RaisedQueue} over the peers' own flag: forged datagrams naming one peer cost one
 * entry, and the pool's work per tick is the number of peers named, not the number it holds.
 */
public final class RebindSignal {
    private final RaisedQueue<Peer> raised = new RaisedQueue<>(Peer.REBIND_QUEUED);

    /** Queues {@code peer}, once until the pool takes it; after its wrong source is recorded. Any thread. */
    void raise(Peer peer) {
        raised.raise(peer);
    }

    /**
     * The next raised peer, or null; a peer that has left may still come out, and the caller
     * skips it. The pool's thread only.
     */
    public Peer take() {
        return raised.take();
    }
}
