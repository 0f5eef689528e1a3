package io.chanmux.server.pool;

import io.chanmux.protocol.control.ServerEvent;
import io.chanmux.server.channel.Peer;
import io.chanmux.server.channel.PeerTable;
import io.chanmux.server.base.TimingWheel;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One channel's members as its pool keeps them: each peer with the session that holds it, and the
 * immutable {@link PeerTable} last published to the socket threads. Pool thread only.
 */
final class ChannelMembers {
    final Channel channel;
    final Map<Integer, Member> byPeer = new LinkedHashMap<>();
    private final Map<SessionHandle, Member> bySession = new HashMap<>();
    PeerTable table = PeerTable.EMPTY;

    ChannelMembers(Channel channel) {
        this.channel = channel;
    }

    /** Installs a new table here and on the channel thread. */
    void publish(PeerTable newTable) {
        table = newTable;
        channel.relay().publish(newTable);
    }

    void add(Member member) {
        byPeer.put(member.peer.id(), member);
        bySession.put(member.session, member);
        publish(table.with(member.peer));
    }

    /** Removes {@code leaving} and publishes one table without them, however many they are. */
    void removeAll(List<Member> leaving) {
        int[] peerIds = new int[leaving.size()];
        for (int i = 0; i < peerIds.length; i++) {
            Member member = leaving.get(i);
            byPeer.remove(member.peer.id());
            bySession.remove(member.session);
            peerIds[i] = member.peer.id();
        }
        publish(table.without(peerIds));
    }

    Member memberOf(SessionHandle session) {
        return bySession.get(session);
    }

    /** Sends {@code event} to every member's session except {@code about}'s. */
    void tellMembers(Member about, ServerEvent event) {
        for (Member member : byPeer.values()) {
            if (member != about) {
                member.session.tell(event, false);
            }
        }
    }

    /** A peer, the session that holds it, and the channel's members it is one of. */
    static final class Member extends TimingWheel.Entry {
        final ChannelMembers members;
        final SessionHandle session;
        final Peer peer;
        /** The wrong-source time the last {@code rebind} hint answered; pool thread only. */
        long hintedWrongSourceNs;
        /** When the last {@code rebind} hint went out; pool thread only. */
        long lastHintNs;

        Member(ChannelMembers members, SessionHandle session, Peer peer) {
            this.members = members;
            this.session = session;
            this.peer = peer;
            this.hintedWrongSourceNs = peer.activity().lastWrongSourceNs();
            this.lastHintNs = hintedWrongSourceNs - ChannelPool.REBIND_HINT_INTERVAL_NS;
        }
    }
}
