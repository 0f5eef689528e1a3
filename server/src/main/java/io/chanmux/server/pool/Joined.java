package io.chanmux.server.pool;

/**
 * What a successful {@code join} returns.
 *
 * @param channel the channel id
 * @param port    the channel's UDP port
 * @param peer    the new peer id (u32, unique server-wide among live peers)
 * @param token   the 16-byte bind token
 */
public record Joined(String channel, int port, int peer, byte[] token) {
}
