package io.chanmux.protocol.control;

/**
 * An event the server pushes on a control connection, as data. {@link ControlCodec#encodeEvent}
 * turns it into its line:
 *
 * <pre>
 * {"event":"peer_joined","channel":"9f2c61d0a4b3e871","peer":12}
 * {"event":"peer_left","channel":"9f2c61d0a4b3e871","peer":12,"reason":"timeout"}
 * {"event":"channel_deleted","channel":"9f2c61d0a4b3e871","reason":"owner_left"}
 * {"event":"draining","timeoutMs":30000}
 * {"event":"rebind","channel":"9f2c61d0a4b3e871","peer":17}
 * </pre>
 */
public sealed interface ServerEvent {

    /** The event's type. */
    EventType type();

    /** Another peer joined {@code channel}. */
    record PeerJoined(String channel, int peer) implements ServerEvent {
        @Override
        public EventType type() {
            return EventType.PEER_JOINED;
        }
    }

    /** {@code peer} left {@code channel} for {@code reason}. */
    record PeerLeft(String channel, int peer, EventReason reason) implements ServerEvent {
        @Override
        public EventType type() {
            return EventType.PEER_LEFT;
        }
    }

    /** {@code channel} was deleted for {@code reason}. */
    record ChannelDeleted(String channel, EventReason reason) implements ServerEvent {
        @Override
        public EventType type() {
            return EventType.CHANNEL_DELETED;
        }
    }

    /**
     * The session's own {@code peer} of {@code channel} sent DATA or PING from an address it is not
     * bound to (dropped as {@code wrong_source}): its address has probably changed, as after a NAT
     * rebinding, so it should BIND again from its socket. A hint, at most one a second per peer.
     */
    record Rebind(String channel, int peer) implements ServerEvent {
        @Override
        public EventType type() {
            return EventType.REBIND;
        }
    }

    /** The server drains and stops within {@code timeoutMs}. */
    record Draining(long timeoutMs) implements ServerEvent {
        @Override
        public EventType type() {
            return EventType.DRAINING;
        }
    }
}
