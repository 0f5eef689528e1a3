package io.chanmux.protocol.control;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LineReaderTest {

    private static LineReader reader(String text, int max) {
        return new LineReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), max);
    }

    private static String next(LineReader r) throws IOException {
        byte[] line = r.readLine();
        return line == null ? null : new String(line, StandardCharsets.UTF_8);
    }

    @Test
    void shouldSplitLinesAndStripCarriageReturnsWhenTheyArriveTogether() throws IOException {
        LineReader r = reader("one\ntwo\r\n\nthree\n", 100);

        assertEquals("one", next(r));
        assertEquals("two", next(r));
        assertEquals("", next(r));
        assertEquals("three", next(r));
        assertNull(next(r));
    }

    @Test
    void shouldJoinALineThatArrivesOneByteAtATime() throws IOException {
        byte[] bytes = "{\"op\":\"ping\"}\n".getBytes(StandardCharsets.UTF_8);
        InputStream trickle = new InputStream() {
            private int i;

            @Override
            public int read() {
                return i < bytes.length ? bytes[i++] : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (i >= bytes.length) {
                    return -1;
                }
                b[off] = bytes[i++];
                return 1;
            }
        };

        assertEquals("{\"op\":\"ping\"}", new String(new LineReader(trickle, 100).readLine(), StandardCharsets.UTF_8));
    }

    @Test
    void shouldAcceptALineOfExactlyTheLimitAndRejectOneByteMore() throws IOException {
        String atLimit = "x".repeat(5000);
        assertEquals(atLimit, next(reader(atLimit + "\n", 5000)));

        LineTooLongException e = assertThrows(LineTooLongException.class,
                () -> reader(atLimit + "y\n", 5000).readLine());
        assertEquals(5000, e.limitBytes());
    }

    @Test
    void shouldNotCountTheCarriageReturnOfACrlfTowardTheLimit() throws IOException {
        String atLimit = "x".repeat(5000);
        assertEquals(atLimit, next(reader(atLimit + "\r\n", 5000)));
        assertThrows(LineTooLongException.class, () -> reader(atLimit + "y\r\n", 5000).readLine());
        assertThrows(LineTooLongException.class, () -> reader(atLimit + "yy", 5000).readLine(),
                "an unterminated line is caught once it is two bytes over");
    }

    @Test
    void shouldDiscardAnUnterminatedFragmentAtEndOfStream() throws IOException {
        LineReader r = reader("done\npartial", 100);

        assertEquals("done", next(r));
        assertNull(next(r));
    }
}
