package io.chanmux.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;

/**
 * One node as its heartbeat describes it: the value of its {@code chanmux:node:ID} key (JSON), and
 * one entry of the {@code nodes} reply. Immutable.
 *
 * <pre>
 * {"node":"a","control":"10.0.0.1:7700","udp":"10.0.0.1","channels":3,"peers":6,"maxChannels":10000,
 *  "datagramsPerSecond":1500,"cpu":0.12,"draining":false,"beat":42}
 * </pre>
 *
 * @param node               the node's id
 * @param control            its advertised control address, {@code host:port}
 * @param udp                the host its channels' UDP ports are reached at
 * @param channels           live channels
 * @param peers              members of those channels
 * @param maxChannels        its {@code --max-channels}: placement sends it no more
 * @param datagramsPerSecond datagrams received on its channel ports per second, over the last beat
 * @param cpu                share of the host's CPU the node's process used over the last beat, 0 to 1, or -1
 * @param draining           whether it is draining (it takes no new channels)
 * @param beat               the heartbeat's number, counting from 1 at the node's start
 */
public record NodeRecord(String node, String control, String udp, int channels, int peers, int maxChannels,
                         long datagramsPerSecond, double cpu, boolean draining, long beat) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whether placement may send it one more channel, given {@code sent} already sent since its beat. */
    boolean takesChannels(int sent) {
        return !draining && channels + sent < maxChannels;
    }

    /** The record as the {@code nodes} reply and the Redis value show it. */
    public ObjectNode toJson() {
        return JSON.createObjectNode()
                .put("node", node)
                .put("control", control)
                .put("udp", udp)
                .put("channels", channels)
                .put("peers", peers)
                .put("maxChannels", maxChannels)
                .put("datagramsPerSecond", datagramsPerSecond)
                .put("cpu", Math.round(cpu * 1000) / 1000.0)
                .put("draining", draining)
                .put("beat", beat);
    }

    /** The JSON text stored in Redis. */
    String encode() {
        return toJson().toString();
    }

    /** Reads a stored record; null when it is not one (a foreign or damaged value is skipped, not fatal). */
    static NodeRecord decode(String text) {
        try {
            JsonNode json = JSON.readTree(text);
            if (json == null || !json.isObject() || !json.path("node").isTextual() || !json.path("control").isTextual()) {
                return null;
            }
            return new NodeRecord(json.path("node").asText(), json.path("control").asText(),
                    json.path("udp").asText(""), json.path("channels").asInt(), json.path("peers").asInt(),
                    json.path("maxChannels").asInt(Integer.MAX_VALUE), json.path("datagramsPerSecond").asLong(),
                    json.path("cpu").asDouble(-1), json.path("draining").asBoolean(), json.path("beat").asLong());
        } catch (IOException e) {
            return null;
        }
    }
}
