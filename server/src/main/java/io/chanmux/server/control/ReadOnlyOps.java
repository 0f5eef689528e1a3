package io.chanmux.server.control;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ControlRequest;
import io.chanmux.protocol.wire.HostPort;
import io.chanmux.server.base.NanoClock;
import io.chanmux.server.channel.Peer;
import io.chanmux.server.channel.PeerTable;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.pool.ChannelDirectory;
import io.chanmux.server.pool.Channel;
import io.chanmux.server.pool.SessionHandle;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * The read-only ops' answers: {@code list}, {@code stats} and the admin {@code channels} and
 * {@code peers}, built from the directory's published state (entries, peer snapshots, counters)
 * and the listener's counts. They change nothing, so any session's reader may call them at once.
 * Lists are paged by id ({@code after}, {@code limit}) so a reply always fits in one line.
 */
final class ReadOnlyOps {
    private final ChannelDirectory directory;
    private final ControlListener listener;
    private final NanoClock clock;

    ReadOnlyOps(ChannelDirectory directory, ControlListener listener, NanoClock clock) {
        this.directory = directory;
        this.listener = listener;
        this.clock = clock;
    }

    /** {@code list}: channels without a key, plus {@code session}'s own; keyed channels of others stay unlisted. */
    ObjectNode list(ControlRequest.ListChannels request, SessionHandle session) {
        return page(request.after(), request.limit(), channel -> channel.key() == null || channel.owner() == session, (channel, c) -> {
            c.put("channel", channel.id())
                    .put("port", channel.port())
                    .put("peers", channel.peerCount())
                    .put("maxPeers", channel.maxPeers())
                    .put("name", channel.name());
        });
    }

    /** {@code stats}: every relay counter summed, drops by reason, and the live counts. */
    ObjectNode stats() {
        long[] totals = directory.counterTotals();
        ObjectNode result = ControlCodec.object();
        ObjectNode dropped = ControlCodec.object();
        for (RelayCounter counter : RelayCounter.values()) {
            long value = totals[counter.ordinal()];
            if (counter.isDrop()) {
                dropped.put(counter.wireName(), value);
            } else {
                result.put(counter.wireName(), value);
            }
        }
        dropped.put("total", RelayCounter.totalDrops(totals));
        result.set("dropped", dropped);
        result.put("sessions", listener.sessionCount());
        ObjectNode closed = ControlCodec.object();
        for (SessionCloseReason reason : SessionCloseReason.values()) {
            closed.put(reason.wireName(), listener.closedBy(reason));
        }
        result.set("sessionsClosed", closed);
        result.put("eventsDropped", listener.droppedEvents());
        result.put("draining", listener.isDraining());
        result.put("channels", directory.channels().size());
        result.put("peers", directory.peerCount());
        return result;
    }

    /** Admin {@code channels}: every channel, keyed ones included, with its traffic counters. */
    ObjectNode channels(ControlRequest.AdminChannels request) {
        return page(request.after(), request.limit(), channel -> true, (channel, c) -> {
            long[] counters = channel.relay().counters().snapshot();
            c.put("channel", channel.id())
                    .put("port", channel.port())
                    .put("pool", channel.pool().index())
                    .put("owner", channel.owner().id())
                    .put("keyed", channel.key() != null)
                    .put("peers", channel.peerCount())
                    .put("maxPeers", channel.maxPeers())
                    .put("datagramsIn", counters[RelayCounter.DATAGRAMS_IN.ordinal()])
                    .put("bytesIn", counters[RelayCounter.BYTES_IN.ordinal()])
                    .put("forwarded", counters[RelayCounter.FORWARDED.ordinal()])
                    .put("bytesForwarded", counters[RelayCounter.BYTES_FORWARDED.ordinal()])
                    .put("dropped", RelayCounter.totalDrops(counters))
                    .put("name", channel.name());
        });
    }

    /** Admin {@code peers}: one channel's peers with their bound address, last activity and counters. */
    ObjectNode peers(ControlRequest.AdminPeers request, Channel channel) {
        int limit = request.limit();
        long after = request.after();
        PeerTable table = channel.relay().peers();
        List<Peer> chosen = new ArrayList<>();
        for (int i = 0; i < table.size(); i++) {
            if (Integer.toUnsignedLong(table.peer(i).id()) > after) {
                chosen.add(table.peer(i));
            }
        }
        chosen.sort(Comparator.comparingLong(peer -> Integer.toUnsignedLong(peer.id())));
        long now = clock.nanoTime();
        ArrayNode peers = ControlCodec.object().arrayNode();
        for (Peer peer : chosen.subList(0, Math.min(limit, chosen.size()))) {
            ObjectNode p = peers.addObject().put("peer", Integer.toUnsignedLong(peer.id()));
            InetSocketAddress address = peer.address();
            p.put("address", address == null ? null : HostPort.format(address));
            p.put("lastSeenMsAgo", Math.max(0, (now - peer.activity().lastSeenNs()) / 1_000_000));
            p.put("datagrams", peer.activity().datagrams());
            p.put("bytes", peer.activity().bytes());
        }
        ObjectNode result = ControlCodec.object().put("channel", channel.id());
        result.set("peers", peers);
        if (chosen.size() > limit) {
            result.put("next", Integer.toUnsignedLong(chosen.get(limit - 1).id()));
        }
        return result;
    }

    /**
     * One page of channels in id order: those after {@code after} (null: from the first), at most
     * {@code limit}; {@code next} is set when more remain.
     */
    private ObjectNode page(String after, int limit, Predicate<Channel> visible,
                            BiConsumer<Channel, ObjectNode> describe) {
        ArrayNode channels = ControlCodec.object().arrayNode();
        String last = null;
        boolean more = false;
        // In id order from the directory's sorted map: a page costs its own size, not the server's.
        for (Channel channel : directory.channelsAfter(after)) {
            if (!visible.test(channel)) {
                continue;
            }
            if (channels.size() == limit) {
                more = true;
                break;
            }
            describe.accept(channel, channels.addObject());
            last = channel.id();
        }
        ObjectNode result = ControlCodec.object();
        result.set("channels", channels);
        if (more) {
            result.put("next", last);
        }
        return result;
    }
}
