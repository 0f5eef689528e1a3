package io.chanmux.server.channel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One pool's peers by id, across all its channels: what the shared port's socket threads use to
 * find the channel of a datagram's sender without a lock, and what the pool uses to keep peer ids
 * unique on the node. A single-writer, lock-free-read hash table in the manner of Agrona's
 * open-addressing maps: open addressing with linear probing over an {@code int[]} of ids and a
 * parallel {@code Peer[]}, no boxing, nothing allocated by a lookup.
 *
 * <p>Threading: the pool's thread is the only writer ({@link #put}, {@link #remove}); any thread
 * may {@link #find}. A slot is filled peer first, then id, each with a release store, and read id
 * first, then peer, each with an acquire load, so a reader that sees an id sees its peer. A removed
 * peer leaves its id in place with a null peer (a tombstone, so probe chains stay intact while
 * readers walk them); a reader racing a removal, or a later re-use of the same id, checks the peer
 * it got against the id it wanted. When tombstones and live ids fill half the table, the writer
 * builds a new table and publishes it with one volatile store; readers still walking the old one
 * see a consistent, slightly older membership, as they would with a {@link PeerTable}.
 */
public final class PeerIndex {
    private static final VarHandle IDS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle PEERS = MethodHandles.arrayElementVarHandle(Peer[].class);
    private static final int MIN_CAPACITY = 16;

    /** One generation of the table: capacity a power of two, never more than half full. */
    private record Slots(int[] ids, Peer[] peers, int shift) {
        Slots(int capacity) {
            this(new int[capacity], new Peer[capacity], Integer.SIZE - Integer.numberOfTrailingZeros(capacity));
        }

        int home(int id) {
            return (id * 0x9E3779B9) >>> shift;
        }
    }

    private volatile Slots slots = new Slots(MIN_CAPACITY);
    /** Live peers. Writer only. */
    private int live;
    /** Slots holding an id, live or removed. Writer only. */
    private int used;

    /** The live peer with this id, or null. Any thread; no lock, no allocation. */
    public Peer find(int id) {
        if (id == 0) {
            return null; // 0 marks an empty slot, and is never a peer id
        }
        Slots s = slots;
        int mask = s.ids.length - 1;
        for (int i = s.home(id); ; i = (i + 1) & mask) {
            int held = (int) IDS.getAcquire(s.ids, i);
            if (held == id) {
                Peer peer = (Peer) PEERS.getAcquire(s.peers, i);
                return peer != null && peer.id() == id ? peer : null;
            }
            if (held == 0) {
                return null;
            }
        }
    }

    /** Adds {@code peer}, whose id (never 0) must not be live here. Writer only. */
    public void put(Peer peer) {
        int id = peer.id();
        if (id == 0) {
            throw new IllegalArgumentException("0 is not a peer id");
        }
        if (find(id) != null) {
            throw new IllegalArgumentException("peer " + Integer.toUnsignedString(id) + " is already indexed");
        }
        Slots s = slots;
        int i = slotOf(s, id);
        if (s.ids[i] == 0) {
            if (2 * (used + 1) > s.ids.length) {
                rebuild();
                put(peer);
                return;
            }
            used++;
        }
        PEERS.setRelease(s.peers, i, peer);
        IDS.setRelease(s.ids, i, id);
        live++;
    }

    /** Removes {@code peer} if it is indexed. Writer only. */
    public void remove(Peer peer) {
        Slots s = slots;
        int i = slotOf(s, peer.id());
        if (s.ids[i] == peer.id() && s.peers[i] == peer) {
            PEERS.setRelease(s.peers, i, null);
            live--;
        }
    }

    /** Live peers. Writer only (its pool's keepalive tick, tests). */
    public int size() {
        return live;
    }

    /** The slot holding {@code id}, live or removed, else the empty slot that ends its probe chain. */
    private static int slotOf(Slots s, int id) {
        int mask = s.ids.length - 1;
        int i = s.home(id);
        while (s.ids[i] != id && s.ids[i] != 0) {
            i = (i + 1) & mask;
        }
        return i;
    }

    /** A fresh table a quarter full of the live peers, without tombstones, published at once. */
    private void rebuild() {
        Slots old = slots;
        Slots fresh = new Slots(Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, live) * 4 - 1) << 1));
        for (int i = 0; i < old.ids.length; i++) {
            Peer peer = old.peers[i];
            if (peer != null) {
                int at = slotOf(fresh, peer.id());
                fresh.peers[at] = peer;
                fresh.ids[at] = peer.id();
            }
        }
        used = live;
        slots = fresh; // the volatile store publishes the plain stores above
    }
}
