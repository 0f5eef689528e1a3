package io.chanmux.protocol.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An event the server pushed on the control connection, such as {@code peer_joined},
 * {@code peer_left} or {@code channel_deleted}.
 *
 * @param name   the event name
 * @param fields the whole event object
 */
public record ControlEvent(String name, ObjectNode fields) {

    /** The {@code channel} field, or null. */
    public String channel() {
        return text("channel");
    }

    /** The {@code peer} field, or -1 when absent. */
    public long peer() {
        JsonNode peer = fields.get("peer");
        return peer == null ? -1 : peer.asLong();
    }

    /** The {@code reason} field, or null. */
    public String reason() {
        return text("reason");
    }

    private String text(String field) {
        JsonNode node = fields.get(field);
        return node == null ? null : node.asText();
    }
}
