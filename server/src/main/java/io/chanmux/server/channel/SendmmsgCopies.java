package io.chanmux.server.channel;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One port's copies through its poll loop's {@link SendmmsgVector}: queued by {@link #add}, sent
 * {@link SendmmsgVector#CAPACITY} at a time by one {@code sendmmsg(2)} each. The descriptor {@code
 * fd} is only used by the loop thread while the port's socket is registered with the loop's
 * selector: a closed socket stays open in the kernel until the loop deregisters its key, so the
 * number cannot be reused by another file meanwhile. Loop thread only.
 */
final class SendmmsgCopies implements CopySender {
    private final SendmmsgVector vector;
    private final int fd;
    private int queued;
    private int sent;

    SendmmsgCopies(SendmmsgVector vector, int fd) {
        this.vector = vector;
        this.fd = fd;
    }

    @Override
    public void start(ByteBuffer datagram, int length) {
        if (!vector.carries(datagram)) {
            throw new IllegalArgumentException("a fan-out from another buffer than the poll loop's");
        }
        vector.payloadLength(length);
        queued = 0;
        sent = 0;
    }

    @Override
    public void add(InetSocketAddress target) {
        if (queued == SendmmsgVector.CAPACITY) {
            sent += vector.send(fd, queued);
            queued = 0;
        }
        vector.target(queued++, target);
    }

    @Override
    public int finish() {
        if (queued > 0) {
            sent += vector.send(fd, queued);
            queued = 0;
        }
        return sent;
    }
}
