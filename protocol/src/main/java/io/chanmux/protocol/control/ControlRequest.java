package io.chanmux.protocol.control;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.regex.Pattern;

/**
 * A control request, decoded once at the edge into data: one record per {@link Op}, each field
 * checked for type and length. What depends on the server's settings (a {@code maxPeers} above the
 * server's limit) is checked by the server. Decode with {@link #from}.
 */
public sealed interface ControlRequest {
    /** Longest channel name, in characters. */
    int MAX_NAME_CHARS = 64;
    /** Longest key, secret or credential, in characters. */
    int MAX_KEY_CHARS = 256;
    /** Longest client name or user, in characters. */
    int MAX_CLIENT_CHARS = 256;
    /** Longest cluster node id, in characters. */
    int MAX_NODE_CHARS = 64;
    /** Longest channel id accepted in a request, in characters. */
    int MAX_CHANNEL_CHARS = 64;
    /** What every channel id looks like: 8 random bytes in lowercase hex. */
    Pattern CHANNEL_ID = Pattern.compile("[0-9a-f]{16}");
    /** Largest page of {@code list} and admin {@code peers}. */
    int MAX_PAGE = 200;
    /** Largest page of admin {@code channels} (its entries are larger). */
    int MAX_ADMIN_PAGE = 100;

    /** The request's id to echo in the reply (a number or string node), or null. */
    JsonNode id();

    /** The request's op. */
    Op op();

    /** {@code hello}: the client's name, and credentials when the server has a secret or admin secret. */
    record Hello(JsonNode id, String client, String user, String auth, String admin) implements ControlRequest {
        @Override
        public Op op() {
            return Op.HELLO;
        }
    }

    /**
     * {@code create}: a new channel; {@code maxPeers} null means the server's maximum. {@code node}
     * is the cluster node a {@code moved} reply named (null when the client was not sent anywhere):
     * that node creates the channel without placing it again.
     */
    record Create(JsonNode id, String name, Integer maxPeers, String key, String node) implements ControlRequest {
        @Override
        public Op op() {
            return Op.CREATE;
        }
    }

    /** {@code join}: become a peer of {@code channel}. */
    record Join(JsonNode id, String channel, String key) implements ControlRequest {
        @Override
        public Op op() {
            return Op.JOIN;
        }
    }

    /** {@code leave}: stop being a peer of {@code channel}. */
    record Leave(JsonNode id, String channel) implements ControlRequest {
        @Override
        public Op op() {
            return Op.LEAVE;
        }
    }

    /** {@code delete}: the owner deletes {@code channel}. */
    record Delete(JsonNode id, String channel) implements ControlRequest {
        @Override
        public Op op() {
            return Op.DELETE;
        }
    }

    /** {@code list}: a page of channels with ids after {@code after} (null: from the start). */
    record ListChannels(JsonNode id, String after, int limit) implements ControlRequest {
        @Override
        public Op op() {
            return Op.LIST;
        }
    }

    /** {@code stats}: the server's counters. */
    record Stats(JsonNode id) implements ControlRequest {
        @Override
        public Op op() {
            return Op.STATS;
        }
    }

    /** {@code ping}: an empty reply. */
    record Ping(JsonNode id) implements ControlRequest {
        @Override
        public Op op() {
            return Op.PING;
        }
    }

    /** {@code nodes}: the cluster's live nodes with their load (this node alone when it is not in a cluster). */
    record Nodes(JsonNode id) implements ControlRequest {
        @Override
        public Op op() {
            return Op.NODES;
        }
    }

    /** Admin {@code channels}: a page of every channel with its counters. */
    record AdminChannels(JsonNode id, String after, int limit) implements ControlRequest {
        @Override
        public Op op() {
            return Op.CHANNELS;
        }
    }

    /** Admin {@code peers}: a page of one channel's peers with ids above {@code after} (-1: from the start). */
    record AdminPeers(JsonNode id, String channel, long after, int limit) implements ControlRequest {
        @Override
        public Op op() {
            return Op.PEERS;
        }
    }

    /** Admin {@code kick}: remove {@code peer} (a u32) from {@code channel}. */
    record Kick(JsonNode id, String channel, int peer) implements ControlRequest {
        @Override
        public Op op() {
            return Op.KICK;
        }
    }

    /** Admin {@code close}: delete any channel. */
    record Close(JsonNode id, String channel) implements ControlRequest {
        @Override
        public Op op() {
            return Op.CLOSE;
        }
    }

    /** Admin {@code drain}: start a graceful drain of the server. */
    record Drain(JsonNode id) implements ControlRequest {
        @Override
        public Op op() {
            return Op.DRAIN;
        }
    }

    /** Admin {@code reload}: re-read the config file and environment; apply what can change live. */
    record Reload(JsonNode id) implements ControlRequest {
        @Override
        public Op op() {
            return Op.RELOAD;
        }
    }

    /**
     * The typed request of a decoded line.
     *
     * @throws RequestException {@code unknown_op} for an op the protocol lacks, {@code bad_request}
     *                          naming the field for a missing, mistyped or too long one
     */
    static ControlRequest from(Request r) throws RequestException {
        Op op = Op.fromWireName(r.op());
        if (op == null) {
            throw r.error(ErrorCode.UNKNOWN_OP, "unknown op '" + r.op() + "'");
        }
        JsonNode id = r.id();
        return switch (op) {
            case HELLO -> new Hello(id, r.optionalString("client", MAX_CLIENT_CHARS),
                    r.optionalString("user", MAX_CLIENT_CHARS), r.optionalString("auth", MAX_KEY_CHARS),
                    r.optionalString("admin", MAX_KEY_CHARS));
            case CREATE -> new Create(id, r.optionalString("name", MAX_NAME_CHARS), r.optionalInteger("maxPeers"),
                    r.optionalString("key", MAX_KEY_CHARS), r.optionalString("node", MAX_NODE_CHARS));
            case JOIN -> new Join(id, channel(r), r.optionalString("key", MAX_KEY_CHARS));
            case LEAVE -> new Leave(id, channel(r));
            case DELETE -> new Delete(id, channel(r));
            case LIST -> new ListChannels(id, r.optionalString("after", MAX_CHANNEL_CHARS),
                    r.optionalInt("limit", 1, MAX_PAGE, MAX_PAGE));
            case STATS -> new Stats(id);
            case PING -> new Ping(id);
            case NODES -> new Nodes(id);
            case CHANNELS -> new AdminChannels(id, r.optionalString("after", MAX_CHANNEL_CHARS),
                    r.optionalInt("limit", 1, MAX_ADMIN_PAGE, MAX_ADMIN_PAGE));
            case PEERS -> new AdminPeers(id, channel(r),
                    r.body().has("after") ? r.requiredLong("after", 0, 0xFFFF_FFFFL) : -1,
                    r.optionalInt("limit", 1, MAX_PAGE, MAX_PAGE));
            case KICK -> new Kick(id, channel(r), (int) r.requiredLong("peer", 0, 0xFFFF_FFFFL));
            case CLOSE -> new Close(id, channel(r));
            case DRAIN -> new Drain(id);
            case RELOAD -> new Reload(id);
        };
    }

    private static String channel(Request r) throws RequestException {
        String channel = r.requiredString("channel", MAX_CHANNEL_CHARS);
        if (!CHANNEL_ID.matcher(channel).matches()) {
            // Checked at the edge, so a made-up id costs no lookup (in a cluster, a Redis read).
            throw r.bad("field 'channel' must be a channel id: 16 lowercase hex digits");
        }
        return channel;
    }
}
