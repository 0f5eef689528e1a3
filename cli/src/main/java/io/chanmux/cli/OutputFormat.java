package io.chanmux.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.chanmux.protocol.client.ControlEvent;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Turns what the server sends into terminal lines: received datagrams ({@code [peer 17] hello}),
 * events ({@code * peer 18 joined}), the channel table of {@code list} and the aligned counters of
 * {@code stats}. Stateless.
 */
final class OutputFormat {
    private static final HexFormat HEX = HexFormat.of();

    private OutputFormat() {
    }

    /**
     * One received DATA payload as a whole line, newline included: {@code [peer 17] text}. The
     * payload's own bytes are written when they are UTF-8 text without control characters (so
     * what one terminal typed is what the other shows, whatever the JVM's output encoding);
     * anything else is written as {@code 0x} and lowercase hex.
     */
    static byte[] dataLine(int peer, byte[] payload, int offset, int length) {
        ByteArrayOutputStream line = new ByteArrayOutputStream(16 + length * 2);
        line.writeBytes(("[peer " + Integer.toUnsignedString(peer) + "] ").getBytes(StandardCharsets.US_ASCII));
        if (isText(payload, offset, length)) {
            line.write(payload, offset, length);
        } else {
            String hex = "0x" + HEX.formatHex(payload, offset, offset + length);
            line.writeBytes(hex.getBytes(StandardCharsets.US_ASCII));
        }
        line.write('\n');
        return line.toByteArray();
    }

    /** Whether the bytes are valid UTF-8 with no control character but tab. */
    static boolean isText(byte[] bytes, int offset, int length) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer text;
        try {
            text = utf8.decode(ByteBuffer.wrap(bytes, offset, length));
        } catch (CharacterCodingException e) {
            return false;
        }
        // Control characters (escape sequences above all) could rewrite the reader's terminal.
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\t' && Character.isISOControl(c)) {
                return false;
            }
        }
        return true;
    }

    /** One event as a line for stderr, without newline: {@code * peer 17 left (timeout)}. */
    static String event(ControlEvent event) {
        return switch (event.type()) {
            case PEER_JOINED -> "* peer " + event.peer() + " joined";
            case PEER_LEFT -> "* peer " + event.peer() + " left (" + event.reason() + ")";
            case CHANNEL_DELETED -> "* channel " + event.channel() + " was deleted (" + event.reason() + ")";
            case DRAINING -> "* the server is shutting down: channels close within "
                    + event.fields().path("timeoutMs").asLong() / 1000 + " s";
            case REBIND -> "* the server heard peer " + event.peer() + " from a new address; binding again";
            case null -> "* " + event.name() + " " + event.fields();
        };
    }

    /** The {@code channels} array of a {@code list} reply as an aligned table with a header. */
    static String channelTable(JsonNode channels) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"CHANNEL", "NAME", "PORT", "PEERS", "MAX"});
        for (JsonNode c : channels) {
            JsonNode name = c.path("name");
            rows.add(new String[] {c.path("channel").asText(), name.isTextual() ? name.textValue() : "-",
                    c.path("port").asText(), c.path("peers").asText(), c.path("maxPeers").asText()});
        }
        return aligned(rows);
    }

    /** The {@code nodes} of a {@code nodes} reply as an aligned table, the asked node marked {@code *}. */
    static String nodeTable(JsonNode nodes) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NODE", "CONTROL", "CHANNELS", "PEERS", "DGRAM/S", "CPU", "DRAINING"});
        for (JsonNode n : nodes) {
            double cpu = n.path("cpu").asDouble(-1);
            rows.add(new String[] {(n.path("self").asBoolean() ? "*" : "") + n.path("node").asText(),
                    n.path("control").asText(), n.path("channels").asText(), n.path("peers").asText(),
                    n.path("datagramsPerSecond").asText(), cpu < 0 ? "-" : Math.round(cpu * 100) + "%",
                    n.path("draining").asBoolean() ? "yes" : "no"});
        }
        return aligned(rows);
    }

    /**
     * Every field of a reply but {@code id} and {@code ok}, one {@code key value} line each, values
     * aligned; nested objects are flattened to {@code dropped.bad_token}.
     */
    static String keyValues(JsonNode reply) {
        List<String[]> rows = new ArrayList<>();
        flatten("", reply, rows);
        return aligned(rows);
    }

    private static void flatten(String prefix, JsonNode node, List<String[]> rows) {
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String key = prefix + field.getKey();
            if (prefix.isEmpty() && (key.equals("id") || key.equals("ok"))) {
                continue;
            }
            JsonNode value = field.getValue();
            if (value.isObject()) {
                flatten(key + ".", value, rows);
            } else {
                rows.add(new String[] {key, value.isValueNode() ? value.asText() : value.toString()});
            }
        }
    }

    /** Left-aligned columns two spaces apart; the last column is not padded. */
    private static String aligned(List<String[]> rows) {
        if (rows.isEmpty()) {
            return "";
        }
        int columns = rows.getFirst().length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder text = new StringBuilder();
        for (String[] row : rows) {
            for (int i = 0; i < columns - 1; i++) {
                text.append(row[i]).append(" ".repeat(widths[i] - row[i].length() + 2));
            }
            text.append(row[columns - 1]).append('\n');
        }
        return text.toString();
    }
}
