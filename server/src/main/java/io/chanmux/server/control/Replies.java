package io.chanmux.server.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ControlRequest;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.Op;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.protocol.wire.Hex;
import io.chanmux.server.pool.ChannelCreated;
import io.chanmux.server.pool.Joined;

/**
 * The one reply path: turns a request's outcome into its line and counts it in {@link
 * RequestCounts}, whichever thread of the session encodes it (the reader for its own answers, the
 * holder of the outbox's writer's role for pool answers). Stateless apart from the shared counts; thread-safe.
 */
final class Replies {
    private final RequestCounts counts;

    Replies(RequestCounts counts) {
        this.counts = counts;
    }

    /** A success reply with {@code fields} (may be null). */
    byte[] ok(ControlRequest request, ObjectNode fields) {
        counts.record(request.op(), "ok");
        return ControlCodec.encodeReply(request.id(), fields);
    }

    /** An error reply; {@code op} is null when the request's op could not be read. */
    byte[] error(JsonNode id, Op op, RequestException refusal) {
        counts.record(op, refusal.code().wireName());
        return ControlCodec.encodeError(refusal.id() != null ? refusal.id() : id, refusal.code(), refusal.getMessage(),
                refusal.redirect());
    }

    /** The reply for a server failure on this request. */
    byte[] internal(JsonNode id, Op op, RuntimeException failure) {
        return error(id, op, new RequestException(ErrorCode.INTERNAL, "the server failed on this request: " + failure));
    }

    /** The line of a pool's typed answer. */
    byte[] poolReply(Outbound.PoolReply reply) {
        ControlRequest request = reply.request();
        if (reply.refusal() != null) {
            return error(request.id(), request.op(), reply.refusal());
        }
        return ok(request, switch (reply.result()) {
            case null -> null;
            case ChannelCreated created -> ControlCodec.object()
                    .put("channel", created.channel())
                    .put("port", created.port())
                    .put("maxPeers", created.maxPeers());
            case Joined joined -> ControlCodec.object()
                    .put("channel", joined.channel())
                    .put("port", joined.port())
                    .put("peer", Integer.toUnsignedLong(joined.peer()))
                    .put("token", Hex.encode(joined.token()));
            default -> throw new IllegalArgumentException("no reply format for " + reply.result());
        });
    }
}
