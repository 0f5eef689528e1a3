package io.chanmux.server.log;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogFormatTest {
    private static final Instant TIME = Instant.parse("2026-11-25T23:35:38.276Z");
    private static final String LOGGER = "io.chanmux.server.control.ControlConnection";
    /** What a hostile client puts in its name: a forged second line, a terminal escape, a Unicode line break. */
    private static final String HOSTILE = "x\n2026-11-25T23:35:38.276Z [ERROR] Fake - forged\r\u001b[31m\u2028end";

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void shouldWriteTheLineSlf4jSimpleWroteWhenFormatIsText() {
        String line = LogFormat.TEXT.render(event("session 7 opened from /127.0.0.1:5000", List.of(), null));

        assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) "
                + "\\[INFO] ControlConnection - session 7 opened from /127\\.0\\.0\\.1:5000\n"), line);
    }

    @Test
    void shouldEscapeControlCharactersWhenATextMessageCarriesClientData() {
        String line = LogFormat.TEXT.render(event("session 7 (" + HOSTILE + ") closed", List.of(), null));

        assertEquals(1, line.split("\n", -1).length - 1, "one line: " + line);
        assertTrue(line.endsWith(" - session 7 (x\\n2026-11-25T23:35:38.276Z [ERROR] Fake - forged\\r\\u001b[31m"
                + "\\u2028end) closed\n"), line);
    }

    @Test
    void shouldKeepTheTraceLinesButEscapeAnExceptionsMessageWhenTextHasAnError() {
        Exception error = new IllegalStateException("bad\nline", new RuntimeException("cause\r\nhere"));

        String[] lines = LogFormat.TEXT.render(event("request failed", List.of(), error)).split("\n");

        assertTrue(lines[0].endsWith(" - request failed"), lines[0]);
        assertEquals("java.lang.IllegalStateException: bad\\nline", lines[1]);
        assertTrue(lines[2].startsWith("\tat io.chanmux.server.log.LogFormatTest."), lines[2]);
        assertTrue(List.of(lines).contains("Caused by: java.lang.RuntimeException: cause\\r\\nhere"),
                String.join("\n", lines));
    }

    @Test
    void shouldWriteOneJsonObjectPerLineWithContextFieldsWhenFormatIsJson() throws IOException {
        Exception error = new IllegalStateException("bad\nline");
        List<KeyValuePair> context = List.of(new KeyValuePair("session", "s1"), new KeyValuePair("channel", "9f2c"),
                new KeyValuePair("peer", 17), new KeyValuePair("reason", "kicked"), new KeyValuePair("gone", null));

        String line = LogFormat.JSON.render(event("session s1 (" + HOSTILE + ") closed", context, error));

        assertTrue(line.endsWith("}\n"), line);
        assertFalse(line.substring(0, line.length() - 1).contains("\n"), "one line: " + line);
        assertTrue(line.chars().allMatch(c -> c < 0x80), "plain ASCII: " + line);
        JsonNode object = json.readTree(line);
        assertEquals("2026-11-25T23:35:38.276Z", object.path("time").asText());
        assertEquals("INFO", object.path("level").asText());
        assertEquals(LOGGER, object.path("logger").asText());
        assertEquals("session s1 (" + HOSTILE + ") closed", object.path("message").asText(), "the exact text");
        assertEquals("s1", object.path("session").asText());
        assertEquals("9f2c", object.path("channel").asText());
        assertEquals(17, object.path("peer").intValue(), "numbers stay numbers");
        assertTrue(object.path("peer").isNumber());
        assertEquals("kicked", object.path("reason").asText());
        assertTrue(object.get("gone").isNull());
        assertEquals("java.lang.IllegalStateException: bad\nline", object.path("error").asText());
        assertTrue(object.path("stack_trace").asText().contains("\tat io.chanmux.server.log.LogFormatTest."));
    }

    @Test
    void shouldReturnTheSameStringWhenThereIsNothingToEscape() {
        String plain = "session 7 (alice \\ bob) closed";

        assertSame(plain, LogFormat.escapeControls(plain));
        assertEquals("a\\tb\\u007f\\u0085", LogFormat.escapeControls("a\tb\u007f\u0085"));
    }

    @Test
    void shouldQuoteTheTextWhenItNamesNoFormat() {
        assertEquals(LogFormat.JSON, LogFormat.parse(" JSON "));
        assertEquals("text", LogFormat.TEXT.optionValue());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogFormat.parse("xml"));

        assertEquals("'xml' is not text or json", e.getMessage());
    }

    private static LogEvent event(String message, List<KeyValuePair> context, Throwable error) {
        return new LogEvent(TIME, Level.INFO, LOGGER, message, context, error);
    }
}
