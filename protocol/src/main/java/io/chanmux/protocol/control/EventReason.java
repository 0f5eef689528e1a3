package io.chanmux.protocol.control;

import java.util.Locale;

/** Why a peer left or a channel was deleted: the {@code reason} field of {@code peer_left} and {@code channel_deleted}. */
public enum EventReason implements WireNamed {
    /** {@code peer_left}: the peer's session sent {@code leave}. */
    LEFT,
    /** {@code peer_left}: an admin removed the peer; its own session is told too. */
    KICKED,
    /** {@code peer_left}: the peer did not bind, or fell silent, for its timeout; its own session is told too. */
    TIMEOUT,
    /** {@code peer_left}: the peer's control connection ended. */
    DISCONNECTED,
    /** {@code channel_deleted}: the owner sent {@code delete}. */
    DELETED,
    /** {@code channel_deleted}: an admin closed the channel. */
    CLOSED,
    /** {@code channel_deleted}: the owner's control connection ended. */
    OWNER_LEFT;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    /** The name in the {@code reason} field. */
    @Override
    public String wireName() {
        return wireName;
    }

    /** The reason with this wire name, or null for one this client does not know. */
    public static EventReason fromWireName(String wireName) {
        return WireNamed.find(values(), wireName);
    }
}
