package io.chanmux.server.control;

import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ControlRequest;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.protocol.control.ServerEvent;

/**
 * One item of a session's {@link Outbox}: a reply line the session's reader already encoded, or a
 * typed reply or event from a pool thread, which the session's writer encodes. Each knows what it
 * is charged against the outbox's byte budget.
 */
sealed interface Outbound {
    /** What a typed item is charged: more than any event or pool reply encodes to, apart from an echoed id. */
    int TYPED_BYTES = 256;

    /** Bytes charged against the outbox's budget. */
    long bytes();

    /** A reply line, encoded by the session's reader. */
    record Line(byte[] line) implements Outbound {
        @Override
        public long bytes() {
            return line.length;
        }
    }

    /** An event from a pool or the listener. */
    record Event(ServerEvent event) implements Outbound {
        @Override
        public long bytes() {
            return TYPED_BYTES;
        }
    }

    /**
     * A pool's (or the directory's) answer to {@code request}: its typed result, or the refusal
     * when {@code refusal} is set.
     */
    record PoolReply(ControlRequest request, Object result, RequestException refusal) implements Outbound {
        @Override
        public long bytes() {
            return TYPED_BYTES + (request.id() == null ? 0 : ControlCodec.encodedBytes(request.id()));
        }
    }
}
