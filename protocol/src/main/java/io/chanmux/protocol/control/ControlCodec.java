package io.chanmux.protocol.control;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Encodes and decodes the control protocol's lines: one UTF-8 JSON object per line, at most
 * {@link #MAX_LINE_BYTES} bytes before the {@code \n}.
 *
 * <pre>
 * request:  {"id": 7, "op": "join", "channel": "9f2c61d0a4b3e871"}\n
 * reply:    {"id": 7, "ok": true, "channel": "9f2c61d0a4b3e871", "port": 40001, ...}\n
 * error:    {"id": 7, "ok": false, "error": "not_found", "message": "no channel 9f2c61d0a4b3e871"}\n
 * event:    {"event": "peer_joined", "channel": "9f2c61d0a4b3e871", "peer": 12}\n
 * </pre>
 *
 * Stateless and thread-safe: the shared {@link ObjectMapper} is configured once.
 */
public final class ControlCodec {
    /** The longest line, in bytes without the terminating newline, either side accepts. */
    public static final int MAX_LINE_BYTES = 64 * 1024;
    /** The protocol version {@code hello} reports. */
    public static final int PROTOCOL_VERSION = 2;

    private static final int RECYCLED_BUFFER_SETS = 64;
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    // Jackson's default pool keeps a set of read and write buffers (~16 KiB) per
                    // thread; with a virtual thread per connection that is per connection, for
                    // as long as it lives. One shared pool keeps at most this many sets: parsing
                    // and writing never block, so few are in use at once.
                    .recyclerPool(JsonRecyclerPools.newBoundedPool(RECYCLED_BUFFER_SETS))
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.ALLOW_COMMENTS)
            // An id like 0.1 or 1e400 is echoed exactly as sent, not rounded through a double.
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    private ControlCodec() {
    }

    /**
     * How many bytes {@code node} takes when encoded into a line. Unlike {@code node.toString()},
     * which keeps a set of Jackson buffers in every thread that calls it (per connection, with a
     * virtual thread each), this uses the codec's shared buffers.
     */
    public static int encodedBytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node).length;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // a tree built from a parsed line always encodes
        }
    }

    /** A fresh, empty JSON object for building replies, events and requests. */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /**
     * Decodes a request line (without its newline).
     *
     * @throws RequestException {@link ErrorCode#BAD_REQUEST} when the line is not a JSON object with
     *                          a string {@code op} and an optional number or string {@code id}
     */
    public static Request decodeRequest(byte[] line) throws RequestException {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new RequestException(ErrorCode.BAD_REQUEST, "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new RequestException(ErrorCode.BAD_REQUEST, "unreadable request: " + e.getMessage());
        } catch (NumberFormatException e) {
            // A number BigDecimal cannot hold (an exponent past an int, as in 1e99999999999): Jackson
            // lets it out unwrapped, and the message would echo the whole number.
            throw new RequestException(ErrorCode.BAD_REQUEST, "malformed JSON: a number out of range");
        }
        if (tree == null || !tree.isObject()) {
            throw new RequestException(ErrorCode.BAD_REQUEST, "a request must be a JSON object");
        }
        JsonNode id = tree.get("id");
        if (id != null && !(id.isNumber() || id.isTextual())) {
            throw new RequestException(ErrorCode.BAD_REQUEST, "field 'id' must be a number or a string");
        }
        JsonNode op = tree.get("op");
        if (op == null || !op.isTextual()) {
            throw new RequestException(ErrorCode.BAD_REQUEST, "missing string field 'op'", id);
        }
        return new Request(id, op.textValue(), (ObjectNode) tree);
    }

    /** The {@code id} of a request line, or null when it has none or the line is not a request. */
    public static JsonNode idOf(byte[] line) {
        try {
            return decodeRequest(line).id();
        } catch (RequestException e) {
            return e.id();
        }
    }

    /** Decodes any line the server sends (a reply or an event). */
    public static ObjectNode decodeMessage(byte[] line) throws IOException {
        JsonNode tree = MAPPER.readTree(line);
        if (tree == null || !tree.isObject()) {
            throw new IOException("server sent a line that is not a JSON object");
        }
        return (ObjectNode) tree;
    }

    /** A success reply echoing {@code id}, with the fields of {@code result} (may be null). */
    public static byte[] encodeReply(JsonNode id, ObjectNode result) {
        ObjectNode reply = object();
        if (id != null) {
            reply.set("id", id);
        }
        reply.put("ok", true);
        if (result != null) {
            reply.setAll(result);
        }
        return encodeLine(reply);
    }

    /** An error reply echoing {@code id} (may be null). */
    public static byte[] encodeError(JsonNode id, ErrorCode code, String message) {
        return encodeError(id, code, message, null);
    }

    /**
     * An error reply echoing {@code id} (may be null); a {@code redirect} (may be null) adds the
     * {@code node} and {@code control} fields of a {@code moved} reply.
     */
    public static byte[] encodeError(JsonNode id, ErrorCode code, String message, Redirect redirect) {
        ObjectNode reply = object();
        if (id != null) {
            reply.set("id", id);
        }
        reply.put("ok", false);
        reply.put("error", code.wireName());
        if (redirect != null) {
            reply.put("node", redirect.node());
            reply.put("control", redirect.control());
        }
        reply.put("message", message);
        return encodeLine(reply);
    }

    /** An event's line: {@code {"event": name, ...fields}}. */
    public static byte[] encodeEvent(ServerEvent event) {
        ObjectNode line = object().put("event", event.type().wireName());
        switch (event) {
            case ServerEvent.PeerJoined e -> line.put("channel", e.channel()).put("peer", Integer.toUnsignedLong(e.peer()));
            case ServerEvent.PeerLeft e -> line.put("channel", e.channel()).put("peer", Integer.toUnsignedLong(e.peer()))
                    .put("reason", e.reason().wireName());
            case ServerEvent.ChannelDeleted e -> line.put("channel", e.channel()).put("reason", e.reason().wireName());
            case ServerEvent.Draining e -> line.put("timeoutMs", e.timeoutMs());
            case ServerEvent.Rebind e -> line.put("channel", e.channel()).put("peer", Integer.toUnsignedLong(e.peer()));
        }
        return encodeLine(line);
    }

    /** A request line with a numeric id. */
    public static byte[] encodeRequest(long id, String op, ObjectNode arguments) {
        ObjectNode request = object();
        request.put("id", id);
        request.put("op", op);
        if (arguments != null) {
            request.setAll(arguments);
        }
        return encodeLine(request);
    }

    /** Any JSON object as one line, newline included. */
    public static byte[] encodeLine(ObjectNode message) {
        try {
            byte[] json = MAPPER.writeValueAsBytes(message);
            byte[] line = new byte[json.length + 1];
            System.arraycopy(json, 0, line, 0, json.length);
            line[json.length] = '\n';
            return line;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("a JSON tree failed to serialize", e);
        }
    }
}
