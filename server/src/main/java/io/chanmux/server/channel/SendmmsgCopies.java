package io.chanmux.server.channel;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One port's copies through its poll loop's {@link SendmmsgVector}: each {@link #add} queues a copy
 * of a datagram held in one of the loop's {@link RecvmmsgVector} slots, and {@link #flush} (or a
 * full queue) sends them, {@link SendmmsgVector#MESSAGES} messages per {@code sendmmsg(2)}. The descriptor
 * {@code fd} is only used by the loop thread while the port's socket is registered with the loop's
 * selector: a closed socket stays open in the kernel until the loop deregisters its key, so the
 * number cannot be reused by another file meanwhile. Loop thread only.
 */
final class SendmmsgCopies implements CopySender {
    private final SendmmsgVector vector;
    private final int fd;
    private final int writer;
    private long payload;
    private int length;
    private RelayCounters counters;

    SendmmsgCopies(SendmmsgVector vector, int fd, int writer) {
        this.vector = vector;
        this.fd = fd;
        this.writer = writer;
    }

    @Override
    public void start(ByteBuffer datagram, int length, RelayCounters counters) {
        if (length < 0 || length > datagram.capacity()) {
            throw new IllegalArgumentException("a datagram of " + length + " bytes in a slot of " + datagram.capacity());
        }
        this.payload = vector.payloads().address(datagram);
        this.length = length;
        this.counters = counters;
    }

    @Override
    public void add(InetSocketAddress target) {
        vector.queue(fd, payload, length, target, counters, writer);
    }

    @Override
    public void flush() {
        vector.flush();
    }
}
