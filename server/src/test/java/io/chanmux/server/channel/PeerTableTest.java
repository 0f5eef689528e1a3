package io.chanmux.server.channel;

import io.chanmux.server.config.PeerRates;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PeerTableTest {

    private static Peer peer(int id) {
        return new Peer(id, new byte[16], new RelayChannel("table", 0, 1, new RebindSignal()), new PeerRates(10, 10_000), 0);
    }

    @Test
    void shouldKeepPeersSortedAndFindThemWhenAddedInAnyOrder() {
        PeerTable table = PeerTable.EMPTY.with(peer(30)).with(peer(10)).with(peer(20)).with(peer(-5));

        assertEquals(4, table.size());
        assertEquals(-5, table.peer(0).id());
        assertEquals(30, table.peer(3).id());
        assertEquals(20, table.find(20).id());
        assertTrue(table.indexOf(15) < 0);
    }

    @Test
    void shouldKeepAPeersBindingWhenLaterSnapshotsChangeTheMembership() {
        PeerTable table = PeerTable.EMPTY.with(peer(1)).with(peer(2));
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", 4000);

        table.find(2).bind(address);
        PeerTable grown = table.with(peer(3)).without(1);

        assertSame(table.find(2), grown.find(2));
        assertEquals(address, grown.find(2).address());
        assertNull(grown.find(3).address(), "a new member starts unbound");
    }

    @Test
    void shouldRefuseAnIdThatIsAlreadyAMember() {
        PeerTable table = PeerTable.EMPTY.with(peer(1));

        assertThrows(IllegalArgumentException.class, () -> table.with(peer(1)));
    }

    @Test
    void shouldRemoveOnlyTheGivenPeerAndIgnoreAnUnknownOne() {
        PeerTable table = PeerTable.EMPTY.with(peer(1)).with(peer(2)).with(peer(3));

        PeerTable removed = table.without(2);

        assertEquals(2, removed.size());
        assertNull(removed.find(2));
        assertEquals(3, removed.find(3).id());
        assertSame(removed, removed.without(99));
        assertEquals(0, removed.without(1).without(3).size());
    }

    @Test
    void shouldRemoveSeveralPeersAtOnceWhateverTheirOrderAndIgnoreUnknownAndRepeatedIds() {
        PeerTable table = PeerTable.EMPTY.with(peer(-7)).with(peer(1)).with(peer(2)).with(peer(3)).with(peer(40));

        PeerTable removed = table.without(40, 99, -7, 2, 40);

        assertEquals(2, removed.size());
        assertEquals(1, removed.peer(0).id());
        assertEquals(3, removed.peer(1).id());
        assertSame(table.find(3), removed.find(3));
        assertSame(table, table.without(99, 100), "the same table when nobody left");
        assertEquals(0, table.without(3, 2, 1, -7, 40).size());
    }
}
