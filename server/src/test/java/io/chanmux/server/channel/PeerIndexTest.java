package io.chanmux.server.channel;

import io.chanmux.server.config.PeerRates;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PeerIndexTest {
    private final RelayChannel channel = new RelayChannel("index", 0, 1, new RebindSignal());

    private Peer peer(int id) {
        return new Peer(id, new byte[16], channel, new PeerRates(10, 10_000), 0);
    }

    @Test
    void shouldFindPeersByIdAndForgetRemovedOnesWhenTheTableGrowsAndIsRebuilt() {
        PeerIndex index = new PeerIndex();
        List<Peer> peers = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            Peer peer = peer(3 + 4 * i); // one pool's ids out of four: a stride, as ChannelPool hands them out
            peers.add(peer);
            index.put(peer);
        }
        for (int i = 0; i < peers.size(); i += 2) {
            index.remove(peers.get(i));
        }
        for (int i = 0; i < peers.size(); i++) {
            Peer peer = peers.get(i);
            if (i % 2 == 0) {
                assertNull(index.find(peer.id()), "removed " + peer.id());
            } else {
                assertSame(peer, index.find(peer.id()));
            }
        }
        assertEquals(5_000, index.size());
        assertNull(index.find(0));
        assertNull(index.find(1));
    }

    @Test
    void shouldTakeAReturningIdAndRefuseALiveOneOrZero() {
        PeerIndex index = new PeerIndex();
        Peer first = peer(7);
        index.put(first);
        assertThrows(IllegalArgumentException.class, () -> index.put(peer(7)));
        assertThrows(IllegalArgumentException.class, () -> index.put(peer(0)));

        index.remove(first);
        Peer again = peer(7);
        index.put(again);
        assertSame(again, index.find(7));
        index.remove(first); // a stale removal leaves the new holder of the id alone
        assertSame(again, index.find(7));
    }

    @Test
    void shouldStayFindableFromAnotherThreadWhileTheWriterChurns() throws Exception {
        PeerIndex index = new PeerIndex();
        Peer stable = peer(1);
        index.put(stable);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong misses = new AtomicLong();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (running.get()) {
                if (index.find(1) != stable) {
                    misses.incrementAndGet();
                }
            }
        });
        // Many joins and leaves around the stable peer: tombstones, growth and rebuilds.
        for (int round = 0; round < 200; round++) {
            List<Peer> batch = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                Peer peer = peer(2 + round * 500 + i);
                batch.add(peer);
                index.put(peer);
            }
            batch.forEach(index::remove);
        }
        running.set(false);
        reader.join();

        assertEquals(0, misses.get(), "a reader lost a live peer while others came and went");
        assertEquals(1, index.size());
    }
}
