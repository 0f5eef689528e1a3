package io.chanmux.server.channel;

import io.chanmux.protocol.wire.Datagram;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stateless bind cookie, with a manual clock and no sockets. */
class BindCookiesTest {
    private static final InetSocketAddress SOURCE = new InetSocketAddress("192.0.2.7", 40_000);
    private static final int PEER = 17;

    private long nowNs = 123_456_789_000L;
    private final BindCookies cookies = new BindCookies(BindCookies.newKey(), () -> nowNs);

    @Test
    void shouldVerifyACookieForItsPeerAndAddressWhenFresh() {
        ByteBuffer cookie = issue(PEER, SOURCE);

        assertTrue(cookies.verify(cookie, 0, PEER, SOURCE));
        assertEquals(Datagram.COOKIE_BYTES, cookie.remaining());
    }

    @Test
    void shouldStillVerifyTenSecondsLaterWhereverInItsSlotItWasIssued() {
        for (long intoSlot : new long[] {0, 1, BindCookies.SLOT_NS / 2, BindCookies.SLOT_NS - 1}) {
            nowNs = 50 * BindCookies.SLOT_NS + intoSlot;
            ByteBuffer cookie = issue(PEER, SOURCE);

            nowNs += BindCookies.SLOT_NS;

            assertTrue(cookies.verify(cookie, 0, PEER, SOURCE), "issued " + intoSlot + " ns into its slot");
        }
    }

    @Test
    void shouldRefuseACookieOnceTwoSlotsHavePassed() {
        ByteBuffer cookie = issue(PEER, SOURCE);

        nowNs += 2 * BindCookies.SLOT_NS;

        assertFalse(cookies.verify(cookie, 0, PEER, SOURCE));
    }

    @Test
    void shouldRefuseACookieForAnotherAddressPortOrPeer() {
        ByteBuffer cookie = issue(PEER, SOURCE);

        assertFalse(cookies.verify(cookie, 0, PEER, new InetSocketAddress("192.0.2.8", 40_000)), "another IP");
        assertFalse(cookies.verify(cookie, 0, PEER, new InetSocketAddress("192.0.2.7", 40_001)), "another port");
        assertFalse(cookies.verify(cookie, 0, PEER + 1, SOURCE), "another peer");
        assertFalse(cookies.verify(cookie, 0, PEER, new InetSocketAddress("::c000:207", 40_000)),
                "an IPv6 address that ends in the same four bytes");
    }

    @Test
    void shouldRefuseACookieWithAnyBitFlipped() {
        ByteBuffer cookie = issue(PEER, SOURCE);

        for (int bit = 0; bit < Datagram.COOKIE_BYTES * 8; bit++) {
            ByteBuffer flipped = ByteBuffer.allocate(Datagram.COOKIE_BYTES).put(cookie.duplicate()).flip();
            flipped.put(bit / 8, (byte) (flipped.get(bit / 8) ^ (1 << (bit % 8))));
            assertFalse(cookies.verify(flipped, 0, PEER, SOURCE), "bit " + bit);
        }
    }

    @Test
    void shouldRefuseACookieFromAnotherServerStart() {
        ByteBuffer cookie = issue(PEER, SOURCE);
        BindCookies restarted = new BindCookies(BindCookies.newKey(), () -> nowNs);

        assertFalse(restarted.verify(cookie, 0, PEER, SOURCE));
    }

    /** A copy of the cookie, since {@link BindCookies#issue} reuses its array. */
    private ByteBuffer issue(int peer, InetSocketAddress source) {
        return ByteBuffer.wrap(cookies.issue(peer, source).clone());
    }
}
