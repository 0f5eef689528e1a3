package io.chanmux.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad requests are answered with the right error code and the connection stays usable. */
@Timeout(30)
class ControlProtocolTest {
    private final TestRelay relay = TestRelay.start();
    private RawControlConnection connection;

    @BeforeEach
    void connect() throws IOException {
        connection = new RawControlConnection(relay.control());
    }

    @AfterEach
    void stop() throws IOException {
        connection.close();
        relay.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "malformed JSON            | {\"id\":1,\"op\":                              | bad_request",
        "not an object             | [1,2,3]                                      | bad_request",
        "a bare string             | \"hello\"                                    | bad_request",
        "missing op                | {\"id\":1}                                   | bad_request",
        "op not a string           | {\"id\":1,\"op\":7}                          | bad_request",
        "id an object              | {\"id\":{},\"op\":\"ping\"}                  | bad_request",
        "id null                   | {\"id\":null,\"op\":\"ping\"}                | bad_request",
        "unknown op                | {\"id\":1,\"op\":\"teleport\"}               | unknown_op",
        "join without channel      | {\"id\":1,\"op\":\"join\"}                   | bad_request",
        "channel not a string      | {\"id\":1,\"op\":\"join\",\"channel\":5}     | bad_request",
        "channel not an id         | {\"id\":1,\"op\":\"join\",\"channel\":\"lobby\"} | bad_request",
        "unknown channel           | {\"id\":1,\"op\":\"join\",\"channel\":\"ffffffffffffffff\"} | not_found",
        "maxPeers mistyped         | {\"id\":1,\"op\":\"create\",\"maxPeers\":\"x\"} | bad_request",
        "maxPeers negative         | {\"id\":1,\"op\":\"create\",\"maxPeers\":-3} | bad_request",
        "maxPeers huge             | {\"id\":1,\"op\":\"create\",\"maxPeers\":99999999999999999999} | bad_request",
        "name too long             | {\"id\":1,\"op\":\"create\",\"name\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"} | bad_request",
        "duplicate keys            | {\"id\":1,\"id\":2,\"op\":\"ping\"}          | bad_request",
        "trailing garbage          | {\"id\":1,\"op\":\"ping\"} x                 | bad_request",
    })
    void shouldAnswerTheErrorCodeAndStayUsableWhenTheRequestIsBad(String what, String line, String code)
            throws IOException {
        JsonNode reply = connection.request(line);

        assertFalse(reply.path("ok").asBoolean(true), what);
        assertEquals(code, reply.path("error").asText(), what + ": " + reply);
        assertFalse(reply.path("message").asText().isEmpty());
        assertConnectionStillWorks();
    }

    @Test
    void shouldEchoTheRequestIdWhetherNumberOrString() throws IOException {
        assertEquals(42, connection.request("{\"id\":42,\"op\":\"ping\"}").path("id").asInt());
        assertEquals("abc", connection.request("{\"id\":\"abc\",\"op\":\"nope\"}").path("id").asText());
        assertFalse(connection.request("{\"op\":\"ping\"}").has("id"));
    }

    @Test
    void shouldEchoAFractionalOrHugeIdWithoutRoundingIt() throws IOException {
        assertEquals("0.10000000000000000001", connection.request("{\"id\":0.10000000000000000001,\"op\":\"ping\"}")
                .path("id").decimalValue().toPlainString());
        assertEquals("123456789012345678901234567890", connection.request(
                "{\"id\":123456789012345678901234567890,\"op\":\"ping\"}").path("id").bigIntegerValue().toString());
    }

    @Test
    void shouldAnswerBadRequestWhenTheLineIsNotUtf8() throws IOException {
        byte[] line = "{\"id\":1,\"op\":\"hello\",\"client\":\"\u00ff\"}\n".getBytes(StandardCharsets.ISO_8859_1);
        connection.send(line);

        assertEquals("bad_request", connection.readMessage().path("error").asText());
        assertConnectionStillWorks();
    }

    @Test
    void shouldIgnoreBlankLinesAndAcceptCrLf() throws IOException {
        connection.send("\n   \r\n{\"id\":9,\"op\":\"ping\"}\r\n".getBytes(StandardCharsets.UTF_8));

        JsonNode reply = connection.readMessage();
        assertEquals(9, reply.path("id").asInt());
        assertTrue(reply.path("ok").asBoolean());
    }

    @Test
    void shouldAnswerLimitThenCloseOnlyThatConnectionWhenALineIsTooLong() throws IOException {
        try (RawControlConnection bystander = new RawControlConnection(relay.control())) {
            byte[] huge = new byte[64 * 1024 + 10];
            Arrays.fill(huge, (byte) 'x');
            connection.send(huge);

            JsonNode reply = connection.readMessage();
            assertEquals("limit", reply.path("error").asText());
            assertNull(connection.readMessage(), "the connection stayed open");
            assertTrue(bystander.request("{\"id\":1,\"op\":\"ping\"}").path("ok").asBoolean());
        }
    }

    @Test
    void shouldAcceptALineExactlyAtTheLimit() throws IOException {
        String prefix = "{\"id\":1,\"op\":\"ping\",\"pad\":\"";
        String suffix = "\"}";
        String pad = "x".repeat(64 * 1024 - prefix.length() - suffix.length());

        assertTrue(connection.request(prefix + pad + suffix).path("ok").asBoolean());
    }

    @Test
    void shouldReportServerAndProtocolAndSessionInHello() throws IOException {
        JsonNode hello = connection.request("{\"id\":1,\"op\":\"hello\",\"client\":\"test\"}");

        assertTrue(hello.path("server").asText().startsWith("chanmux/"));
        assertEquals(2, hello.path("protocol").asInt());
        assertFalse(hello.path("session").asText().isEmpty());
        assertEquals(30_000, hello.path("peerTimeoutMs").asLong());
        assertEquals(30_000, hello.path("bindTimeoutMs").asLong());
        assertEquals(1500, hello.path("maxDatagram").asInt());
    }

    @Test
    void shouldReportCountersInStats() throws IOException {
        connection.request("{\"id\":1,\"op\":\"create\"}");

        JsonNode stats = connection.request("{\"id\":2,\"op\":\"stats\"}");

        assertEquals(1, stats.path("channels").asInt());
        assertEquals(1, stats.path("sessions").asInt());
        for (String field : new String[] {"datagramsIn", "forwarded", "peers"}) {
            assertTrue(stats.has(field), field);
        }
        assertEquals(0, stats.path("dropped").path("total").asInt());
        assertTrue(stats.path("dropped").has("wrong_source"));
    }

    private void assertConnectionStillWorks() throws IOException {
        JsonNode pong = connection.request("{\"id\":\"after\",\"op\":\"ping\"}");
        assertEquals("after", pong.path("id").asText());
        assertTrue(pong.path("ok").asBoolean());
    }
}
