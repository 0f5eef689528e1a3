package io.chanmux.protocol.control;

import java.util.Locale;

/** The error codes a control reply can carry, with their wire names (lowercase, e.g. {@code not_found}). */
public enum ErrorCode implements WireNamed {
    /** Malformed JSON, a missing or mistyped field, or a request that makes no sense in this state. */
    BAD_REQUEST,
    /** The {@code op} is not one the server knows. */
    UNKNOWN_OP,
    /** The channel does not exist, or the session is not a member of it. */
    NOT_FOUND,
    /** Not the channel's owner, or a missing or wrong join key. */
    FORBIDDEN,
    /** The channel already has {@code maxPeers} members. */
    FULL,
    /** A server limit was hit (queue full, too many channels, oversized line, ...). */
    LIMIT,
    /** Every UDP port in the server's range is taken. */
    NO_PORTS,
    /** The server requires authentication and {@code hello} has not provided it (or provided a wrong one). */
    UNAUTHORIZED,
    /**
     * The channel lives on another node of the cluster, or (for {@code create}) the cluster placed
     * the new channel there: the reply's {@code node} and {@code control} say where to ask again.
     */
    MOVED,
    /**
     * This node cannot reach the cluster directory (Redis), so it cannot tell where a channel it
     * does not hold lives; try again, or ask the channel's node directly.
     */
    UNAVAILABLE,
    /** The server failed in a way the client could not cause; the message says how. */
    INTERNAL;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    /** The name as it appears in the {@code error} field. */
    @Override
    public String wireName() {
        return wireName;
    }

    /** The code for a wire name, or {@link #INTERNAL} for one this client does not know. */
    public static ErrorCode fromWireName(String wireName) {
        ErrorCode found = WireNamed.find(values(), wireName);
        return found != null ? found : INTERNAL;
    }
}
