package io.chanmux.server.pool;

/**
 * What a successful {@code join} returns to the session.
 *
 * @param channel the channel id
 * @param port    the channel's UDP port
 * @param peer    the new peer id (u32, unique server-wide)
 * @param token   the 16-byte bind token
 */
public record JoinResult(String channel, int port, int peer, byte[] token) {
}
