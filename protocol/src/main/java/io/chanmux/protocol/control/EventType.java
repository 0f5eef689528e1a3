package io.chanmux.protocol.control;

/** The events a server pushes on a control connection, with their wire names (the {@code event} field). */
public enum EventType implements WireNamed {
    /** Another peer joined a channel the session is a member of. */
    PEER_JOINED("peer_joined"),
    /** A peer left a channel the session is a member of (or the session's own peer was removed). */
    PEER_LEFT("peer_left"),
    /** A channel the session is a member of was deleted. */
    CHANNEL_DELETED("channel_deleted"),
    /** The server is draining: no new channels; it stops when channels are empty or the timeout passes. */
    DRAINING("draining"),
    /** The session's own peer sent from an address it is not bound to: BIND again (a NAT rebinding). */
    REBIND("rebind");

    private final String wireName;

    EventType(String wireName) {
        this.wireName = wireName;
    }

    /** The name in the {@code event} field. */
    @Override
    public String wireName() {
        return wireName;
    }

    /** The type with this wire name, or null for one this client does not know. */
    public static EventType fromWireName(String wireName) {
        return WireNamed.find(values(), wireName);
    }
}
