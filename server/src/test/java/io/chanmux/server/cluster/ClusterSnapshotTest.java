package io.chanmux.server.cluster;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Placement from a snapshot, without Redis or threads. */
class ClusterSnapshotTest {

    @Test
    void shouldPlaceOnTheNodeWithFewestChannelsAndPreferThisNodeOnATie() {
        NodeRecord self = node("a", 2, false);
        ClusterSnapshot view = view(self, node("b", 1, false), node("c", 2, false));

        assertEquals("b", view.leastLoaded(self).node());
        assertEquals("a", view.leastLoaded(node("a", 1, false)).node(), "a tie goes to this node");
    }

    @Test
    void shouldCountCreatesSentToANodeUntilItBeatsAgain() {
        NodeRecord self = node("a", 1, false);
        ClusterSnapshot view = view(self, node("b", 0, false));

        assertEquals("b", view.leastLoaded(self).node());
        view.countSent("b");
        assertEquals("a", view.leastLoaded(self).node(), "b has 0 + 1 sent, a tie that a wins");
        assertEquals("a", view.next(Map.of("a", self, "b", node("b", 0, false))).leastLoaded(self).node(),
                "the same beat of b: the sent count carries over");
        assertEquals("b", view.next(Map.of("a", self, "b", beat(node("b", 1, false), 2)))
                .leastLoaded(node("a", 2, false)).node(), "b beat again and reports the channel itself");
        ClusterSnapshot beforeTheCreate = view.next(Map.of("a", self, "b", beat(node("b", 0, false), 2)));
        assertEquals("a", beforeTheCreate.leastLoaded(self).node(),
                "b beat before the create reached it: the channel is still counted as sent");
        assertEquals("b", beforeTheCreate.next(Map.of("a", self, "b", beat(node("b", 0, false), 3)))
                .leastLoaded(self).node(), "two beats later b's record tells the truth");
    }

    @Test
    void shouldSpreadABurstOfCreatesThatThisNodeHasKeptButNotYetMade() {
        NodeRecord self = node("a", 0, false);
        ClusterSnapshot view = view(self, node("b", 0, false), node("c", 0, false));

        assertEquals("a", view.leastLoaded(self).node(), "a tie goes to this node");
        view.countSent("a");
        assertEquals("b", view.leastLoaded(self).node(), "the create kept here counts before its channel is made");
        view.countSent("b");
        assertEquals("c", view.leastLoaded(self).node());
        view.countSent("c");
        assertEquals("a", view.leastLoaded(node("a", 1, false)).node(),
                "made: counted once, not twice (a tie at one channel each)");
        ClusterSnapshot nextBeat = view.next(Map.of("a", beat(node("a", 1, false), 2), "b", node("b", 0, false),
                "c", node("c", 0, false)));
        assertEquals("a", nextBeat.leastLoaded(node("a", 1, false)).node(),
                "a's beat shows the channel and takes it off what was kept (one each again)");
        assertEquals("b", nextBeat.leastLoaded(node("a", 2, false)).node());
    }

    @Test
    void shouldSkipDrainingAndFullNodesWhenPlacing() {
        NodeRecord self = node("a", 5, false);
        NodeRecord full = new NodeRecord("c", "127.0.0.1:3", "127.0.0.1", 10, 0, 10, 0, 0, false, 1);
        ClusterSnapshot view = view(self, node("b", 0, true), full);

        assertEquals("a", view.leastLoaded(self).node());
        assertNull(view.leastLoaded(node("a", 5, true)), "a draining node with only unfit others places nowhere");
    }

    @Test
    void shouldBreakTiesByPeersThenByIdWhenChannelsAreEqual() {
        NodeRecord self = node("a", 3, false);
        NodeRecord busy = new NodeRecord("b", "127.0.0.1:2", "127.0.0.1", 1, 50, 100, 0, 0, false, 1);
        NodeRecord quiet = new NodeRecord("d", "127.0.0.1:4", "127.0.0.1", 1, 2, 100, 0, 0, false, 1);
        NodeRecord alsoQuiet = new NodeRecord("c", "127.0.0.1:3", "127.0.0.1", 1, 2, 100, 0, 0, false, 1);

        assertEquals("c", view(self, busy, quiet, alsoQuiet).leastLoaded(self).node());
    }

    private static ClusterSnapshot view(NodeRecord... nodes) {
        Map<String, NodeRecord> live = new HashMap<>();
        for (NodeRecord node : nodes) {
            live.put(node.node(), node);
        }
        return ClusterSnapshot.DOWN.next(live);
    }

    private static NodeRecord node(String id, int channels, boolean draining) {
        return new NodeRecord(id, "127.0.0.1:" + id.charAt(0), "127.0.0.1", channels, 0, 100, 0, 0, draining, 1);
    }

    private static NodeRecord beat(NodeRecord record, long beat) {
        return new NodeRecord(record.node(), record.control(), record.udp(), record.channels(), record.peers(),
                record.maxChannels(), record.datagramsPerSecond(), record.cpu(), record.draining(), beat);
    }
}
