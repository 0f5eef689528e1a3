package io.chanmux.server.cluster;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cluster as the last heartbeat read it from Redis: whether Redis answered, and the live nodes
 * (this one included) by id. Immutable apart from the {@code sent} counts; the cluster thread
 * publishes a new one each beat through a volatile field, and sessions read it without a lock.
 *
 * <p>{@code sent} counts the creates this node has sent to each node that its record may not show
 * yet (sessions add to it), this node included (the creates it kept, which its exact channel
 * count shows only once they are made), so a burst of creates within one second spreads over the
 * nodes instead of piling onto the one that looked least loaded at the last beat. The counts are
 * net of deletions: a node that creates and deletes many channels a second looks busier for a
 * beat or two than it is. When the node beats again, the channels it gained are taken off the
 * count (a create sent just before a beat arrives just after it); two beats later everything sent
 * before is in its record, and the count starts again.
 *
 * @param redisUp whether the last beat reached Redis; when false, {@code nodes} is empty
 * @param nodes   live nodes by id
 * @param sent    creates sent to each node that its record may not show yet
 */
record ClusterSnapshot(boolean redisUp, Map<String, NodeRecord> nodes, Map<String, Sent> sent) {
    /** Before the first beat, or after Redis failed: no cluster view at all. */
    static final ClusterSnapshot DOWN = new ClusterSnapshot(false, Map.of(), Map.of());

    ClusterSnapshot {
        nodes = Map.copyOf(nodes);
        sent = Map.copyOf(sent);
    }

    /**
     * Creates sent to one node since its beat {@code sinceBeat}. Sessions add to {@code count};
     * the cluster thread replaces the whole value.
     */
    record Sent(AtomicInteger count, long sinceBeat) {
        static Sent none(long beat) {
            return new Sent(new AtomicInteger(), beat);
        }
    }

    /** The snapshot after a beat that read {@code live}, with each node's {@code sent} count brought up to date. */
    ClusterSnapshot next(Map<String, NodeRecord> live) {
        Map<String, Sent> counts = new HashMap<>();
        for (NodeRecord node : live.values()) {
            NodeRecord before = nodes.get(node.node());
            Sent old = sent.get(node.node());
            Sent now;
            if (before == null || old == null || node.beat() - old.sinceBeat() >= 2) {
                now = Sent.none(node.beat());
            } else if (before.beat() == node.beat()) {
                now = old;
            } else {
                int gained = Math.max(0, node.channels() - before.channels());
                now = new Sent(new AtomicInteger(Math.max(0, old.count().get() - gained)), old.sinceBeat());
            }
            counts.put(node.node(), now);
        }
        return new ClusterSnapshot(true, live, counts);
    }

    /**
     * Where a new channel should go: the live node with the fewest channels (counting those sent
     * there since its beat) that is not draining and below its {@code maxChannels}; on a tie this
     * node, then the one with fewer peers, then the lower id. {@code self} is this node now; null
     * when no node takes channels.
     */
    NodeRecord leastLoaded(NodeRecord self) {
        Comparator<NodeRecord> order = Comparator.<NodeRecord>comparingInt(node -> load(node, self))
                .thenComparing(node -> !node.node().equals(self.node()))
                .thenComparingInt(NodeRecord::peers)
                .thenComparing(NodeRecord::node);
        NodeRecord best = self.takesChannels(0) ? self : null;
        for (NodeRecord node : nodes.values()) {
            if (!node.node().equals(self.node()) && node.takesChannels(sentTo(node.node()))
                    && (best == null || order.compare(node, best) < 0)) {
                best = node;
            }
        }
        return best;
    }

    /** Counts one create sent to {@code node}, or, when it is this node, kept here. */
    void countSent(String node) {
        Sent count = sent.get(node);
        if (count != null) {
            count.count().incrementAndGet();
        }
    }

    private int load(NodeRecord node, NodeRecord self) {
        if (!node.node().equals(self.node())) {
            return node.channels() + sentTo(node.node());
        }
        // This node's exact count shows a create it kept only once the channel is made, so a burst
        // of creates would all tie here and stay: the ones kept since its beat and not yet made count too.
        NodeRecord atBeat = nodes.getOrDefault(self.node(), self); // a beat always lists this node
        int madeSinceBeat = Math.max(0, self.channels() - atBeat.channels());
        return self.channels() + Math.max(0, sentTo(self.node()) - madeSinceBeat);
    }

    private int sentTo(String node) {
        Sent count = sent.get(node);
        return count == null ? 0 : count.count().get();
    }
}
