package io.chanmux.protocol.wire;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatagramTest {

    @Test
    void shouldEncodeBindAsTypePeerAndTokenInNetworkOrder() {
        byte[] token = new byte[16];
        for (int i = 0; i < 16; i++) {
            token[i] = (byte) (0xA0 + i);
        }
        ByteBuffer bind = Datagram.encodeBind(ByteBuffer.allocate(64), 0xDEADBEEF, token);

        assertEquals(Datagram.BIND_BYTES, bind.remaining());
        byte[] bytes = new byte[bind.remaining()];
        bind.get(bytes);
        assertArrayEquals(new byte[] {0x01, (byte) 0xDE, (byte) 0xAD, (byte) 0xBE, (byte) 0xEF}, java.util.Arrays.copyOf(bytes, 5));
        assertTrue(Datagram.tokenMatches(ByteBuffer.wrap(bytes), Datagram.HEADER_BYTES, token));
        assertEquals(0xDEADBEEFL, Datagram.unsignedPeer(Datagram.peer(ByteBuffer.wrap(bytes))));
    }

    @Test
    void shouldTellTokensApartWhenAnyByteDiffers() {
        byte[] token = new byte[16];
        for (int i = 0; i < 16; i++) {
            byte[] other = token.clone();
            other[i] = 1;
            ByteBuffer bind = Datagram.encodeBind(ByteBuffer.allocate(64), 1, other);
            assertFalse(Datagram.tokenMatches(bind, Datagram.HEADER_BYTES, token), "byte " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> Datagram.encodeBind(ByteBuffer.allocate(64), 1, new byte[15]));
    }

    @Test
    void shouldAnswerAChallengeWithAConfirmCarryingTokenAndCookie() {
        byte[] token = new byte[16];
        byte[] cookie = new byte[16];
        for (int i = 0; i < 16; i++) {
            token[i] = (byte) (0x10 + i);
            cookie[i] = (byte) (0xC0 + i);
        }
        ByteBuffer challenge = Datagram.encodeChallenge(ByteBuffer.allocate(64), 0x01020304, cookie);

        assertEquals(Datagram.BIND_BYTES, challenge.remaining(), "a CHALLENGE is never larger than the BIND it answers");
        assertTrue(Datagram.isChallengeFor(challenge, challenge.remaining(), 0x01020304));
        assertFalse(Datagram.isChallengeFor(challenge, challenge.remaining(), 0x01020305));
        assertFalse(Datagram.isChallengeFor(challenge, challenge.remaining() - 1, 0x01020304));

        ByteBuffer confirm = Datagram.encodeConfirm(ByteBuffer.allocate(64), 0x01020304, token, challenge);
        byte[] bytes = new byte[confirm.remaining()];
        confirm.get(bytes);
        assertEquals(37, bytes.length);
        assertArrayEquals(new byte[] {0x04, 0x01, 0x02, 0x03, 0x04}, java.util.Arrays.copyOf(bytes, 5));
        assertTrue(Datagram.tokenMatches(ByteBuffer.wrap(bytes), Datagram.HEADER_BYTES, token));
        assertTrue(Datagram.cookieMatches(ByteBuffer.wrap(bytes), Datagram.CONFIRM_COOKIE_OFFSET, cookie));
        assertEquals((byte) 0x82, challenge.get(0));
    }

    @Test
    void shouldTellCookiesApartWhenAnyByteDiffers() {
        byte[] cookie = new byte[16];
        for (int i = 0; i < 16; i++) {
            byte[] other = cookie.clone();
            other[i] = (byte) 0x80;
            ByteBuffer challenge = Datagram.encodeChallenge(ByteBuffer.allocate(64), 1, other);
            assertFalse(Datagram.cookieMatches(challenge, Datagram.HEADER_BYTES, cookie), "byte " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> Datagram.encodeChallenge(ByteBuffer.allocate(64), 1, new byte[17]));
    }

    @Test
    void shouldEncodeDataAndPingWithTheirBodies() {
        ByteBuffer data = Datagram.encodeData(ByteBuffer.allocate(64), 9, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        ByteBuffer ping = Datagram.encodePing(ByteBuffer.allocate(64), 9, 0x0102030405060708L);

        assertEquals(8, data.remaining());
        assertEquals(Datagram.DATA, Datagram.type(data));
        assertEquals(Datagram.PING_BYTES, ping.remaining());
        assertEquals(0x0102030405060708L, ping.getLong(Datagram.HEADER_BYTES));
    }

    @Test
    void shouldRoundTripHexAndRejectUppercaseOrWrongLength() {
        byte[] bytes = {0, 1, (byte) 0xab, (byte) 0xff};
        assertEquals("0001abff", Hex.encode(bytes));
        assertArrayEquals(bytes, Hex.decode("0001abff", 4));
        assertThrows(IllegalArgumentException.class, () -> Hex.decode("0001ABFF", 4));
        assertThrows(IllegalArgumentException.class, () -> Hex.decode("0001ab", 4));
    }
}
