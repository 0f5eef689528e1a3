package io.chanmux.protocol.control;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile input for the control decoder and line reader: nothing but a bad_request ever comes out. */
class ControlDecoderProperties {

    @Property(tries = 5000)
    void shouldOnlyAnswerBadRequestWhenFedRandomBytes(@ForAll @Size(max = 300) byte[] line) {
        assertDecodesOrRejectsCleanly(line);
    }

    @Property(tries = 5000)
    void shouldOnlyAnswerBadRequestWhenAValidRequestIsMutated(@ForAll("requests") String request,
                                                             @ForAll @IntRange(max = 1000) int position,
                                                             @ForAll byte replacement) {
        byte[] line = request.getBytes(StandardCharsets.UTF_8);
        line[position % line.length] = replacement;
        assertDecodesOrRejectsCleanly(line);
    }

    @Property(tries = 3000)
    void shouldRejectBadArgumentValuesWithoutThrowingAnythingElse(@ForAll("jsonValues") String value) {
        byte[] line = ("{\"id\":1,\"op\":\"create\",\"maxPeers\":" + value + ",\"name\":" + value + "}")
                .getBytes(StandardCharsets.UTF_8);
        try {
            Request request = ControlCodec.decodeRequest(line);
            request.optionalInt("maxPeers", 1, 256, 256);
            request.optionalString("name", 64);
        } catch (RequestException e) {
            assertEquals(ErrorCode.BAD_REQUEST, e.code());
        }
    }

    @Property(tries = 2000)
    void shouldNeverReturnALineOverTheLimit(@ForAll @Size(max = 400) byte[] stream,
                                            @ForAll @IntRange(min = 1, max = 64) int limit) throws IOException {
        LineReader reader = new LineReader(new ByteArrayInputStream(stream), limit);
        try {
            for (byte[] line = reader.readLine(); line != null; line = reader.readLine()) {
                assertTrue(line.length <= limit, "line of " + line.length + " over limit " + limit);
            }
        } catch (LineTooLongException expected) {
            assertEquals(limit, expected.limitBytes());
        }
    }

    @Provide
    Arbitrary<String> requests() {
        return Arbitraries.of(
                "{\"id\":1,\"op\":\"hello\",\"client\":\"x\"}",
                "{\"id\":2,\"op\":\"create\",\"name\":\"room\",\"maxPeers\":8,\"key\":\"k\"}",
                "{\"id\":\"s\",\"op\":\"join\",\"channel\":\"9f2c61d0a4b3e871\",\"key\":\"k\"}",
                "{\"op\":\"leave\",\"channel\":\"9f2c61d0a4b3e871\"}",
                "{\"id\":5,\"op\":\"stats\"}");
    }

    @Provide
    Arbitrary<String> jsonValues() {
        return Arbitraries.oneOf(
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.doubles().map(String::valueOf),
                Arbitraries.strings().ofMaxLength(100).map(s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""),
                Arbitraries.of("null", "true", "[]", "{}", "1e999", "-0", "99999999999999999999999", "[1,{\"a\":[]}]",
                        "1e99999999999", "-1.5E-2147483649"));
    }

    private static void assertDecodesOrRejectsCleanly(byte[] line) {
        try {
            Request request = ControlCodec.decodeRequest(line);
            assertTrue(request.op() != null);
            assertTrue(request.id() == null || request.id().isNumber() || request.id().isTextual());
        } catch (RequestException e) {
            assertEquals(ErrorCode.BAD_REQUEST, e.code());
            assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
        }
    }
}
