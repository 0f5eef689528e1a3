package io.chanmux.cli;

import io.chanmux.protocol.control.LineTooLongException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InputLinesTest {

    private static InputLines lines(String text, int maxBytes) {
        return new InputLines(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), maxBytes);
    }

    private static String next(InputLines lines) throws IOException {
        byte[] line = lines.next();
        return line == null ? null : new String(line, StandardCharsets.UTF_8);
    }

    @Test
    void shouldStripNewlinesAndKeepALastLineWithoutOne() throws IOException {
        InputLines lines = lines("one\r\ntwo\n\nlast", 10);

        assertEquals("one", next(lines));
        assertEquals("two", next(lines));
        assertEquals("", next(lines));
        assertEquals("last", next(lines));
        assertNull(next(lines));
    }

    @Test
    void shouldSkipAnOversizedLineOnceAndReadTheNextWhenALineIsTooLong() throws IOException {
        InputLines lines = lines("12345\n123456\n1234\r\n12345\r\n", 5);

        assertEquals("12345", next(lines));
        assertThrows(LineTooLongException.class, lines::next);
        assertEquals("1234", next(lines));
        assertEquals("12345", next(lines));
        assertNull(next(lines));
    }
}
