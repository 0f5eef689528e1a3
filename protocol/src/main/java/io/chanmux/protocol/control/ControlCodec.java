package io.chanmux.protocol.control;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
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

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.ALLOW_COMMENTS)
            .build();

    private ControlCodec() {
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
        }
        if (tree == null || !tree.isObject()) {
            throw new RequestException(ErrorCode.BAD_REQUEST, "a request must be a JSON object");
        }
        JsonNode id = tree.get("id");
        if (id != null && !(id.isNumber() || id.isTextual()) && !id.isNull()) {
            throw new RequestException(ErrorCode.BAD_REQUEST, "field 'id' must be a number or a string");
        }
        if (id != null && id.isNull()) {
            id = null;
        }
        JsonNode op = tree.get("op");
        if (op == null || !op.isTextual()) {
            throw new RequestException(ErrorCode.BAD_REQUEST, "missing string field 'op'", id);
        }
        return new Request(id, op.textValue(), (ObjectNode) tree);
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
        ObjectNode reply = object();
        if (id != null) {
            reply.set("id", id);
        }
        reply.put("ok", false);
        reply.put("error", code.wireName());
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
