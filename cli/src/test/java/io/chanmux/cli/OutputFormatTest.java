package io.chanmux.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.client.ControlEvent;
import io.chanmux.protocol.control.ControlCodec;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OutputFormatTest {

    private static String dataLine(int peer, byte[] payload) {
        byte[] framed = new byte[payload.length + 7];
        System.arraycopy(payload, 0, framed, 5, payload.length);
        return new String(OutputFormat.dataLine(peer, framed, 5, payload.length), StandardCharsets.UTF_8);
    }

    @Test
    void shouldWriteThePayloadAsTextWhenItIsPrintableUtf8() {
        assertEquals("[peer 17] hello\tcafé ✓\n", dataLine(17, "hello\tcafé ✓".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldWriteHexWhenThePayloadIsNotUtf8OrHasControlCharacters() {
        assertEquals("[peer 3] 0x00ff\n", dataLine(3, new byte[] {0, (byte) 0xff}));
        assertEquals("[peer 3] 0x1b5b324a\n", dataLine(3, "\u001b[2J".getBytes(StandardCharsets.UTF_8)));
        assertEquals("[peer 3] 0xc3\n", dataLine(3, new byte[] {(byte) 0xc3}));
    }

    @Test
    void shouldPrintPeerIdsUnsignedWhenTheHighBitIsSet() {
        assertEquals("[peer 4294967295] \n", dataLine(-1, new byte[0]));
    }

    @Test
    void shouldDescribeEachEventInOneLine() {
        assertEquals("* peer 18 joined", OutputFormat.event(event("peer_joined", "\"peer\":18")));
        assertEquals("* peer 17 left (timeout)",
                OutputFormat.event(event("peer_left", "\"peer\":17,\"reason\":\"timeout\"")));
        assertEquals("* channel 6ff760bd247d1700 was deleted (owner_left)",
                OutputFormat.event(event("channel_deleted", "\"reason\":\"owner_left\"")));
    }

    @Test
    void shouldFlattenNestedCountersAndAlignValuesWhenFormattingStats() throws Exception {
        ObjectNode reply = ControlCodec.decodeMessage(
                "{\"id\":1,\"ok\":true,\"datagramsIn\":4,\"dropped\":{\"bad_token\":2,\"total\":2},\"peers\":0}"
                        .getBytes(StandardCharsets.UTF_8));

        assertEquals("""
                datagramsIn        4
                dropped.bad_token  2
                dropped.total      2
                peers              0
                """, OutputFormat.keyValues(reply));
    }

    @Test
    void shouldShowADashForAChannelWithoutAName() throws Exception {
        ObjectNode reply = ControlCodec.decodeMessage(("{\"channels\":[{\"channel\":\"6ff760bd247d1700\","
                + "\"port\":40000,\"peers\":2,\"maxPeers\":256}]}").getBytes(StandardCharsets.UTF_8));

        assertEquals("""
                CHANNEL           NAME  PORT   PEERS  MAX
                6ff760bd247d1700  -     40000  2      256
                """, OutputFormat.channelTable(reply.path("channels")));
    }

    private static ControlEvent event(String name, String fields) {
        try {
            return new ControlEvent(name, ControlCodec.decodeMessage(("{\"event\":\"" + name
                    + "\",\"channel\":\"6ff760bd247d1700\"," + fields + "}").getBytes(StandardCharsets.UTF_8)));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
