package io.chanmux.protocol.control;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into {@code \n}-terminated lines of bounded length. A trailing {@code \r}
 * is removed, so CRLF clients work too. The buffer starts small and grows only up to the limit,
 * so thousands of idle connections cost little memory.
 *
 * <p>Used by one reading thread at a time.
 */
public final class LineReader {
    private static final int INITIAL_BYTES = 256; // a request line fits; a longer one grows the buffer

    private final InputStream in;
    private final int maxLineBytes;
    private byte[] buffer = new byte[INITIAL_BYTES];
    private int start;
    private int end;
    private int scanned;

    public LineReader(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * Reads the next line, without its terminator.
     *
     * @return the line, or null at end of stream (an unterminated last fragment is discarded)
     * @throws LineTooLongException if more than {@code maxLineBytes} arrive without a newline
     */
    public byte[] readLine() throws IOException {
        while (true) {
            for (int i = scanned; i < end; i++) {
                if (buffer[i] == '\n') {
                    // A CRLF's \r is part of the terminator, not of the line, so it does not count.
                    int lineEnd = (i > start && buffer[i - 1] == '\r') ? i - 1 : i;
                    if (lineEnd - start > maxLineBytes) {
                        throw new LineTooLongException(maxLineBytes);
                    }
                    byte[] line = Arrays.copyOfRange(buffer, start, lineEnd);
                    start = i + 1;
                    scanned = start;
                    return line;
                }
            }
            scanned = end;
            // One byte more than the limit may be the \r of a CRLF; past that the line is too long.
            if (end - start > maxLineBytes + 1) {
                throw new LineTooLongException(maxLineBytes);
            }
            makeRoom();
            int n = in.read(buffer, end, buffer.length - end);
            if (n < 0) {
                return null;
            }
            end += n;
        }
    }

    /** Whether part of a line has arrived and is waiting for its newline. */
    public boolean hasPartialLine() {
        return end > start;
    }

    private void makeRoom() {
        if (start > 0) {
            System.arraycopy(buffer, start, buffer, 0, end - start);
            end -= start;
            scanned -= start;
            start = 0;
        }
        if (end == buffer.length) {
            // Limit, a \r and one byte more are enough to see that a line is too long.
            buffer = Arrays.copyOf(buffer, Math.min(buffer.length * 2, maxLineBytes + 3));
        }
    }
}
