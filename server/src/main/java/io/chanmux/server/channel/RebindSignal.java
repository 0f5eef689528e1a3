package io.chanmux.server.channel;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The peers of a pool whose id has come from an address they are not bound to since the pool
 * last looked, so that its keepalive tick looks at those peers for a {@code rebind} hint, and at
 * no other. Socket threads {@link #raise} a peer after recording the wrong source in its {@link
 * PeerActivity}; the pool's thread {@link #take}s them and then reads their activity. One instance
 * per pool, shared by its channels ({@link RelayChannel}).
 *
 * <p>Memory is bounded by the pool's peers: a peer is queued at most once until the pool takes it
 * ({@link Peer#recordWrongSource} holds the flag), so forged datagrams naming one peer cost one
 * entry, and the pool's work per tick is the number of peers named, not the number it holds.
 *
 * <p>Threading: any thread raises, one thread takes. A wrong source recorded as the pool takes its
 * peer is either seen by the pool's reading of the activity or queues the peer again, never
 * neither: both sides put a full fence between their store (the activity; the flag's clearing)
 * and their load (the flag; the activity).
 */
public final class RebindSignal {
    private final Queue<Peer> raised = new ConcurrentLinkedQueue<>();

    /** Queues {@code peer}, whose flag its socket thread has just set. Any thread. */
    void raise(Peer peer) {
        raised.offer(peer);
    }

    /**
     * The next raised peer, its flag cleared, or null; a peer that has left may still come out,
     * and the caller skips it. The pool's thread only.
     */
    public Peer take() {
        Peer peer = raised.poll();
        if (peer != null) {
            peer.clearRebindQueued();
        }
        return peer;
    }
}
