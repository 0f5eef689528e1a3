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
