package io.chanmux.protocol.control;

/** Every control operation, with its wire name (the request's {@code op}). */
public enum Op implements WireNamed {
    HELLO("hello", false),
    CREATE("create", false),
    JOIN("join", false),
    LEAVE("leave", false),
    DELETE("delete", false),
    LIST("list", false),
    STATS("stats", false),
    PING("ping", false),
    NODES("nodes", false),
    CHANNELS("channels", true),
    PEERS("peers", true),
    KICK("kick", true),
    CLOSE("close", true),
    DRAIN("drain", true),
    RELOAD("reload", true);

    private final String wireName;
    private final boolean admin;

    Op(String wireName, boolean admin) {
        this.wireName = wireName;
        this.admin = admin;
    }

    /** The name in the request's {@code op} field. */
    @Override
    public String wireName() {
        return wireName;
    }

    /** Whether only an admin session may use it. */
    public boolean isAdmin() {
        return admin;
    }

    /** The op with this wire name, or null for one the protocol does not have. */
    public static Op fromWireName(String wireName) {
        return WireNamed.find(values(), wireName);
    }
}
