package io.chanmux.cli;

import io.chanmux.protocol.control.LineTooLongException;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits standard input into lines of at most {@code maxBytes} bytes, without their {@code \n} or
 * {@code \r\n}. Unlike the control protocol's reader, a last line without a newline is kept (so
 * {@code printf hi | chanmux send …} sends it), and a line over the limit is skipped alone: its
 * {@link LineTooLongException} is thrown once and the next call returns the line after it.
 *
 * <p>Used by one thread.
 */
final class InputLines {
    private final InputStream in;
    private final int maxBytes;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    InputLines(InputStream in, int maxBytes) {
        this.in = new BufferedInputStream(in);
        this.maxBytes = maxBytes;
    }

    /**
     * The next line's bytes, or null at end of input.
     *
     * @throws LineTooLongException when the next line is longer than the limit (it is skipped)
     */
    byte[] next() throws IOException {
        line.reset();
        boolean tooLong = false;
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                break;
            }
            if (line.size() < maxBytes + 1) {
                // One byte over the limit is kept so that a \r before the \n does not count.
                line.write(b);
            } else {
                tooLong = true;
            }
        }
        if (b == -1 && line.size() == 0 && !tooLong) {
            return null;
        }
        byte[] bytes = line.toByteArray();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' && !tooLong ? bytes.length - 1 : bytes.length;
        if (tooLong || length > maxBytes) {
            throw new LineTooLongException(maxBytes);
        }
        return length == bytes.length ? bytes : Arrays.copyOf(bytes, length);
    }
}
