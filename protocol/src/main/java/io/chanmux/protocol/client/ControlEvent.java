package io.chanmux.protocol.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.control.EventReason;
import io.chanmux.protocol.control.EventType;

/**
 * An event the server pushed on the control connection, such as {@code peer_joined},
 * {@code peer_left} or {@code channel_deleted}.
 *
 * @param name   the event name
 * @param fields the whole event object
 */
public record ControlEvent(String name, ObjectNode fields) {

    /** The event's type, or null for one this client does not know (a newer server's). */
    public EventType type() {
        return EventType.fromWireName(name);
    }

    /** The {@code reason} field as a known reason, or null when absent or unknown. */
    public EventReason reasonCode() {
        String reason = reason();
        return reason == null ? null : EventReason.fromWireName(reason);
    }

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
