package io.chanmux.protocol.client;

/**
 * Optional arguments of {@code create}.
 *
 * @param name     a name of at most 64 characters, or null
 * @param maxPeers the member limit, or 0 for the server's default
 * @param key      a join key that every joiner must present, or null for an open channel
 */
public record CreateOptions(String name, int maxPeers, String key) {
    /** No name, the server's default member limit, no key. */
    public static final CreateOptions DEFAULTS = new CreateOptions(null, 0, null);

    /** Defaults with a name. */
    public static CreateOptions named(String name) {
        return new CreateOptions(name, 0, null);
    }
}
