package io.chanmux.server.channel;

import java.util.Arrays;

/**
 * An immutable snapshot of a channel's membership, sorted by peer id, that socket threads read
 * without a lock. The pool owns membership: it builds a new table on every join, on every leave,
 * and once per keepalive tick that evicts, and publishes it with a volatile write ({@link
 * RelayChannel#publish}); a socket thread picks it up on its next datagram for the channel.
 * Bindings are not part of the table: socket threads write them ({@link Peer#bind}), and the
 * fan-out reads each member's binding as it goes.
 *
 * <p>Lookups are a binary search over an {@code int[]}, so the hot path allocates nothing.
 */
public final class PeerTable {
    /** A table with no members. */
    public static final PeerTable EMPTY = new PeerTable(new int[0], new Peer[0]);

    private final int[] ids;
    private final Peer[] peers;

    private PeerTable(int[] ids, Peer[] peers) {
        this.ids = ids;
        this.peers = peers;
    }

    /** Members, bound or not. */
    public int size() {
        return ids.length;
    }

    /** The index of {@code peerId}, or a negative number when it is not a member. */
    public int indexOf(int peerId) {
        return Arrays.binarySearch(ids, peerId);
    }

    /** The member at {@code index}. */
    public Peer peer(int index) {
        return peers[index];
    }

    /** The member with {@code peerId}, or null. */
    public Peer find(int peerId) {
        int i = indexOf(peerId);
        return i < 0 ? null : peers[i];
    }

    /** A table with {@code peer} added. Its id must not be a member already: ids are unique among live peers. */
    public PeerTable with(Peer peer) {
        int i = indexOf(peer.id());
        if (i >= 0) {
            throw new IllegalArgumentException("peer " + Integer.toUnsignedString(peer.id()) + " is already a member");
        }
        int at = -i - 1;
        int[] newIds = new int[ids.length + 1];
        Peer[] newPeers = new Peer[peers.length + 1];
        System.arraycopy(ids, 0, newIds, 0, at);
        System.arraycopy(peers, 0, newPeers, 0, at);
        newIds[at] = peer.id();
        newPeers[at] = peer;
        System.arraycopy(ids, at, newIds, at + 1, ids.length - at);
        System.arraycopy(peers, at, newPeers, at + 1, peers.length - at);
        return new PeerTable(newIds, newPeers);
    }

    /**
     * A table without the members {@code peerIds} (ids that are not members, or repeated, are
     * ignored; this table if none is a member), built in one pass however many leave at once.
     */
    public PeerTable without(int... peerIds) {
        int[] leaving = peerIds.clone();
        Arrays.sort(leaving);
        int members = 0;
        for (int i = 0; i < leaving.length; i++) {
            if ((i == 0 || leaving[i] != leaving[i - 1]) && indexOf(leaving[i]) >= 0) {
                members++;
            }
        }
        if (members == 0) {
            return this;
        }
        int[] newIds = new int[ids.length - members];
        Peer[] newPeers = new Peer[peers.length - members];
        int kept = 0;
        for (int i = 0; i < ids.length; i++) {
            if (Arrays.binarySearch(leaving, ids[i]) < 0) {
                newIds[kept] = ids[i];
                newPeers[kept++] = peers[i];
            }
        }
        return new PeerTable(newIds, newPeers);
    }
}
