package io.chanmux.server.control;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.Request;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.server.NanoClock;
import io.chanmux.server.channel.Peer;
import io.chanmux.server.channel.PeerTable;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.channel.RelayCounters;
import io.chanmux.server.pool.ChannelDirectory;
import io.chanmux.server.pool.ChannelEntry;
import io.chanmux.server.pool.SessionHandle;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * The read-only replies: {@code list}, {@code stats} and the admin {@code channels} and
 * {@code peers}, built from the directory's published state (entries, peer snapshots, counters)
 * and the listener's counts. They change nothing, so any session's reader may call them at once.
 * Lists are paged by id ({@code after}, {@code limit}) so a reply always fits in one line.
 */
final class ServerViews {
    private static final int MAX_PAGE = 200;
    private static final int MAX_ADMIN_PAGE = 100;

    private final ChannelDirectory directory;
    private final ControlListener listener;
    private final NanoClock clock;

    ServerViews(ChannelDirectory directory, ControlListener listener, NanoClock clock) {
        this.directory = directory;
        this.listener = listener;
        this.clock = clock;
    }

    /** {@code list}: channels without a key, plus {@code session}'s own; keyed channels of others stay unlisted. */
    ObjectNode list(Request request, SessionHandle session) throws RequestException {
        return page(request, MAX_PAGE, entry -> entry.key() == null || entry.owner() == session, (entry, c) -> {
            c.put("channel", entry.id())
                    .put("port", entry.port())
                    .put("peers", entry.peerCount())
                    .put("maxPeers", entry.maxPeers())
                    .put("name", entry.name());
        });
    }

    /** {@code stats}: every relay counter summed, drops by reason, and the live counts. */
    ObjectNode stats() {
        long[] totals = directory.counterTotals();
        ObjectNode result = ControlCodec.object();
        ObjectNode dropped = ControlCodec.object();
        long droppedTotal = 0;
        for (RelayCounter counter : RelayCounter.values()) {
            long value = totals[counter.ordinal()];
            if (counter.isDrop()) {
                dropped.put(counter.wireName(), value);
                droppedTotal += value;
            } else {
                result.put(counter.wireName(), value);
            }
        }
        dropped.put("total", droppedTotal);
        result.set("dropped", dropped);
        result.put("sessions", listener.sessionCount());
        ObjectNode closed = ControlCodec.object();
        for (SessionCloseReason reason : SessionCloseReason.values()) {
            closed.put(reason.wireName(), listener.closedBy(reason));
        }
        result.set("sessionsClosed", closed);
        result.put("draining", listener.isDraining());
        result.put("channels", directory.channels().size());
        result.put("peers", directory.peerCount());
        return result;
    }

    /** Admin {@code channels}: every channel, keyed ones included, with its traffic counters. */
    ObjectNode channels(Request request) throws RequestException {
        return page(request, MAX_ADMIN_PAGE, entry -> true, (entry, c) -> {
            RelayCounters counters = entry.relay().counters();
            long dropped = 0;
            for (RelayCounter counter : RelayCounter.values()) {
                dropped += counter.isDrop() ? counters.get(counter) : 0;
            }
            c.put("channel", entry.id())
                    .put("port", entry.port())
                    .put("pool", entry.pool().index())
                    .put("owner", entry.owner().id())
                    .put("keyed", entry.key() != null)
                    .put("peers", entry.peerCount())
                    .put("maxPeers", entry.maxPeers())
                    .put("datagramsIn", counters.get(RelayCounter.DATAGRAMS_IN))
                    .put("bytesIn", counters.get(RelayCounter.BYTES_IN))
                    .put("forwarded", counters.get(RelayCounter.FORWARDED))
                    .put("bytesForwarded", counters.get(RelayCounter.BYTES_FORWARDED))
                    .put("dropped", dropped)
                    .put("name", entry.name());
        });
    }

    /** Admin {@code peers}: one channel's peers with their bound address, last activity and counters. */
    ObjectNode peers(Request request, ChannelEntry entry) throws RequestException {
        int limit = request.optionalInt("limit", 1, MAX_PAGE, MAX_PAGE);
        long after = request.body().has("after") ? request.requiredLong("after", 0, 0xFFFF_FFFFL) : -1;
        PeerTable table = entry.relay().peers();
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
            p.put("address", address == null ? null : address.getAddress().getHostAddress() + ":" + address.getPort());
            p.put("lastSeenMsAgo", Math.max(0, (now - peer.activity().lastSeenNs()) / 1_000_000));
            p.put("datagrams", peer.activity().datagrams());
            p.put("bytes", peer.activity().bytes());
        }
        ObjectNode result = ControlCodec.object().put("channel", entry.id());
        result.set("peers", peers);
        if (chosen.size() > limit) {
            result.put("next", Integer.toUnsignedLong(chosen.get(limit - 1).id()));
        }
        return result;
    }

    /**
     * One page of channels in id order: those after {@code after}, at most {@code limit} (up to
     * {@code maxPage}); {@code next} is set when more remain.
     */
    private ObjectNode page(Request request, int maxPage, Predicate<ChannelEntry> visible,
                            BiConsumer<ChannelEntry, ObjectNode> describe) throws RequestException {
        int limit = request.optionalInt("limit", 1, maxPage, maxPage);
        String after = request.optionalString("after", 64);
        List<ChannelEntry> entries = new ArrayList<>();
        for (ChannelEntry entry : directory.channels()) {
            if (visible.test(entry) && (after == null || entry.id().compareTo(after) > 0)) {
                entries.add(entry);
            }
        }
        entries.sort(Comparator.comparing(ChannelEntry::id));
        ArrayNode channels = ControlCodec.object().arrayNode();
        for (ChannelEntry entry : entries.subList(0, Math.min(limit, entries.size()))) {
            describe.accept(entry, channels.addObject());
        }
        ObjectNode result = ControlCodec.object();
        result.set("channels", channels);
        if (entries.size() > limit) {
            result.put("next", entries.get(limit - 1).id());
        }
        return result;
    }
}
