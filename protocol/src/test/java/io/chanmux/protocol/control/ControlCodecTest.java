package io.chanmux.protocol.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControlCodecTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldCountTheBytesAnIdTakesInALineWhenItIsEncoded() throws Exception {
        Request r = ControlCodec.decodeRequest(utf8("{\"id\":\"r\u00e9q-1\",\"op\":\"ping\"}"));

        assertEquals("\"r\u00e9q-1\"".getBytes(StandardCharsets.UTF_8).length, ControlCodec.encodedBytes(r.id()));
        assertEquals(3, ControlCodec.encodedBytes(new ObjectMapper().readTree("0.1")));
    }

    @Test
    void shouldDecodeOpIdAndArgumentsWhenTheRequestIsWellFormed() throws Exception {
        Request r = ControlCodec.decodeRequest(utf8("{\"id\":7,\"op\":\"join\",\"channel\":\"abc\",\"extra\":1}"));

        assertEquals("join", r.op());
        assertEquals(7, r.id().asInt());
        assertEquals("abc", r.requiredString("channel", 16));
        assertNull(r.optionalString("key", 10));
        assertEquals(5, r.optionalInt("maxPeers", 1, 10, 5));
    }

    @Test
    void shouldRejectWithBadRequestAndKeepTheIdWhenAFieldIsMistyped() throws Exception {
        Request r = ControlCodec.decodeRequest(utf8("{\"id\":\"x\",\"op\":\"create\",\"maxPeers\":2.5,\"name\":3}"));

        RequestException maxPeers = assertThrows(RequestException.class, () -> r.optionalInt("maxPeers", 1, 10, 5));
        RequestException name = assertThrows(RequestException.class, () -> r.optionalString("name", 64));

        assertEquals(ErrorCode.BAD_REQUEST, maxPeers.code());
        assertEquals("x", maxPeers.id().asText());
        assertTrue(name.getMessage().contains("'name'"));
    }

    @Test
    void shouldAnswerBadRequestWhenANumberHasAnExponentBeyondWhatBigDecimalHolds() {
        for (String line : new String[] {"{\"id\":12345e78901234567890,\"op\":\"ping\"}",
                "{\"id\":1,\"op\":\"ping\",\"ignored\":1e99999999999}", "{\"op\":\"create\",\"maxPeers\":-1E-99999999999}"}) {
            RequestException e = assertThrows(RequestException.class, () -> ControlCodec.decodeRequest(utf8(line)));
            assertEquals(ErrorCode.BAD_REQUEST, e.code(), line);
        }
    }

    @Test
    void shouldNeverThrowAnythingButRequestExceptionWhenFedRandomBytes() {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            if (i % 2 == 0 && bytes.length > 2) {
                bytes[0] = '{';
                bytes[bytes.length - 1] = '}';
            }
            try {
                Request r = ControlCodec.decodeRequest(bytes);
                assertTrue(r.op() != null);
            } catch (RequestException e) {
                assertEquals(ErrorCode.BAD_REQUEST, e.code());
            }
        }
    }

    @Test
    void shouldWriteRepliesErrorsAndEventsAsSingleJsonLines() throws Exception {
        JsonNode id = JSON.readTree("7");
        byte[] reply = ControlCodec.encodeReply(id, ControlCodec.object().put("port", 40000));
        byte[] error = ControlCodec.encodeError(id, ErrorCode.NOT_FOUND, "no channel \"x\"\n");
        byte[] event = ControlCodec.encodeEvent(new ServerEvent.PeerLeft("9f2c61d0a4b3e871", -1, EventReason.TIMEOUT));

        for (byte[] line : new byte[][] {reply, error, event}) {
            assertEquals('\n', line[line.length - 1]);
            for (int i = 0; i < line.length - 1; i++) {
                assertTrue(line[i] != '\n', "a newline inside the line");
            }
        }
        assertEquals("{\"id\":7,\"ok\":true,\"port\":40000}\n", new String(reply, StandardCharsets.UTF_8));
        assertEquals("not_found", JSON.readTree(error).path("error").asText());
        assertEquals("{\"event\":\"peer_left\",\"channel\":\"9f2c61d0a4b3e871\",\"peer\":4294967295,"
                + "\"reason\":\"timeout\"}\n", new String(event, StandardCharsets.UTF_8));
    }

    @Test
    void shouldCarryNodeAndControlWhenTheErrorIsMoved() throws Exception {
        RequestException moved = RequestException.moved(new Redirect("b", "10.0.0.2:7700"), "channel x is on node b")
                .withId(JSON.readTree("3"));

        JsonNode reply = JSON.readTree(ControlCodec.encodeError(moved.id(), moved.code(), moved.getMessage(),
                moved.redirect()));

        assertEquals("moved", reply.path("error").asText());
        assertEquals("b", reply.path("node").asText());
        assertEquals("10.0.0.2:7700", reply.path("control").asText());
        assertEquals(3, reply.path("id").asInt());
        assertTrue(JSON.readTree(ControlCodec.encodeError(null, ErrorCode.NOT_FOUND, "gone")).path("node").isMissingNode());
    }

    @Test
    void shouldDecodeTheNodeOfACreateAndTheNodesOp() throws Exception {
        ControlRequest create = ControlRequest.from(ControlCodec.decodeRequest(
                "{\"op\":\"create\",\"name\":\"n\",\"node\":\"b\"}".getBytes(StandardCharsets.UTF_8)));
        ControlRequest nodes = ControlRequest.from(ControlCodec.decodeRequest(
                "{\"id\":1,\"op\":\"nodes\"}".getBytes(StandardCharsets.UTF_8)));
        RequestException tooLong = assertThrows(RequestException.class, () -> ControlRequest.from(ControlCodec.decodeRequest(
                ("{\"op\":\"create\",\"node\":\"" + "n".repeat(65) + "\"}").getBytes(StandardCharsets.UTF_8))));

        assertEquals("b", ((ControlRequest.Create) create).node());
        assertEquals(Op.NODES, nodes.op());
        assertEquals(ErrorCode.BAD_REQUEST, tooLong.code());
    }

    @Test
    void shouldMapWireNamesBothWays() {
        for (ErrorCode code : ErrorCode.values()) {
            assertEquals(code, ErrorCode.fromWireName(code.wireName()));
        }
        assertEquals("no_ports", ErrorCode.NO_PORTS.wireName());
        assertEquals(ErrorCode.INTERNAL, ErrorCode.fromWireName("something_new"));
    }
}
