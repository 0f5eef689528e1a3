package io.chanmux.loadtest.traffic;

import io.chanmux.protocol.wire.Datagram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PayloadFormatTest {
    private static final int SENDER = 0xCAFE_0001;

    private final PayloadFormat format = new PayloadFormat(64);
    private final ByteBuffer datagram = ByteBuffer.allocate(256);

    @ParameterizedTest(name = "{0}-byte payload")
    @ValueSource(ints = {24, 25, 64, 160, 1400})
    void shouldVerifyAndReadBackTheFieldsWhenTheDatagramIsIntact(int payloadBytes) {
        PayloadFormat sized = new PayloadFormat(payloadBytes);
        ByteBuffer buffer = ByteBuffer.allocateDirect(sized.datagramBytes());

        sized.encode(buffer, SENDER, 123_456_789_012L, -42L);

        assertEquals(Datagram.HEADER_BYTES + payloadBytes, buffer.remaining());
        assertEquals(Datagram.DATA, buffer.get(0));
        assertEquals(SENDER, buffer.getInt(1), "the chanmux header carries the sender's peer id");
        assertNull(sized.verify(buffer, buffer.limit()));
        assertEquals(SENDER, PayloadFormat.sender(buffer));
        assertEquals(123_456_789_012L, PayloadFormat.sequence(buffer));
        assertEquals(-42L, PayloadFormat.sendNanos(buffer));
    }

    @Test
    void shouldReportBadLengthWhenTheDatagramIsTruncatedOrLonger() {
        format.encode(datagram, SENDER, 1, 2);

        assertEquals(Corruption.BAD_LENGTH, format.verify(datagram, format.datagramBytes() - 1));
        assertEquals(Corruption.BAD_LENGTH, format.verify(datagram, format.datagramBytes() + 1));
    }

    @Test
    void shouldReportBadTypeWhenTheTypeByteIsNotData() {
        format.encode(datagram, SENDER, 1, 2);
        datagram.put(0, Datagram.PING);

        assertEquals(Corruption.BAD_TYPE, format.verify(datagram, format.datagramBytes()));
    }

    @Test
    void shouldReportHeaderMismatchWhenTheHeaderPeerDiffersFromThePayloadSender() {
        format.encode(datagram, SENDER, 1, 2);
        datagram.putInt(1, SENDER + 1);

        assertEquals(Corruption.HEADER_MISMATCH, format.verify(datagram, format.datagramBytes()));
    }

    @ParameterizedTest(name = "byte {0} flipped")
    @ValueSource(ints = {9, 12, 16, 20, 24, 27})
    void shouldReportBadCheckWhenASequenceOrTimeOrCheckByteIsDamaged(int offset) {
        format.encode(datagram, SENDER, 77, 88);
        datagram.put(offset, (byte) (datagram.get(offset) ^ 0x10));

        assertEquals(Corruption.BAD_CHECK, format.verify(datagram, format.datagramBytes()));
    }

    @Test
    void shouldReportBadPaddingWhenAPaddingByteIsDamaged() {
        format.encode(datagram, SENDER, 77, 88);
        datagram.put(format.datagramBytes() - 1, (byte) (datagram.get(format.datagramBytes() - 1) + 1));

        assertEquals(Corruption.BAD_PADDING, format.verify(datagram, format.datagramBytes()));
    }

    @Test
    void shouldReportBadPaddingWhenTheBodyOfAnotherSequenceIsSplicedIn() {
        ByteBuffer other = ByteBuffer.allocate(256);
        format.encode(other, SENDER, 78, 88);
        format.encode(datagram, SENDER, 77, 88);
        for (int i = 40; i < format.datagramBytes(); i++) {
            datagram.put(i, other.get(i));
        }

        assertEquals(Corruption.BAD_PADDING, format.verify(datagram, format.datagramBytes()));
    }

    @Test
    void shouldRejectThePayloadSizeWhenItCannotHoldTheHeader() {
        assertThrows(IllegalArgumentException.class, () -> new PayloadFormat(PayloadFormat.HEADER_BYTES - 1));
    }
}
