package io.chanmux.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.client.CreateOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's log lines as an operator's pipeline reads them: a real server process, started by
 * {@link ServerMain} at INFO, whose standard error is read line by line while a client whose name
 * forges a log line opens a session and creates and deletes a channel; and the start-up warning
 * of a poll loop in a JVM whose {@code Integer} cache is short, which only a process of its own,
 * started with JVM options of its own, can show.
 */
@Timeout(60)
class ServerLogsTest {
    /** A client name (at most 256 characters) that, logged as it is, would add a line of its own. */
    private static final String FORGING_NAME =
            "mallory\n2026-11-25T23:35:38.276Z [ERROR] ChanmuxServer - forged\r\u001b[2J";
    private static final Pattern TEXT_LINE = Pattern.compile(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) \\[(INFO|WARN|ERROR)] \\w+ - .*");

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void shouldWriteOneJsonObjectPerLineWithSessionAndChannelWhenLogFormatIsJson() throws Exception {
        Run run = runServerWithOneSession("--log-format", "json");

        List<JsonNode> objects = new ArrayList<>();
        for (String line : run.lines()) {
            JsonNode object = json.readTree(line);
            for (String field : List.of("time", "level", "logger", "message")) {
                assertTrue(object.path(field).isTextual(), field + " in " + line);
            }
            objects.add(object);
        }
        JsonNode opened = only(objects, "session " + run.session() + " opened");
        assertEquals(run.session(), opened.path("session").asText());
        assertEquals("session_opened", opened.path("event").asText());
        assertEquals("io.chanmux.server.control.ControlConnection", opened.path("logger").asText());
        JsonNode created = only(objects, "channel " + run.channel() + " created");
        assertEquals(run.channel(), created.path("channel").asText());
        assertEquals("channel_created", created.path("event").asText());
        assertEquals(run.session(), created.path("session").asText());
        JsonNode deleted = only(objects, "channel " + run.channel() + " closed");
        assertEquals(run.channel(), deleted.path("channel").asText());
        assertEquals("deleted", deleted.path("reason").asText());
        assertEquals("channel_closed", deleted.path("event").asText());
        JsonNode closed = only(objects, "session " + run.session() + " (");
        assertEquals("session " + run.session() + " (" + FORGING_NAME + ") closed", closed.path("message").asText(),
                "the client's name, exactly");
        assertEquals(run.session(), closed.path("session").asText());
        assertEquals("session_closed", closed.path("event").asText());
        assertEquals("server_stopped", only(objects, "chanmux stopped").path("event").asText());
        assertTrue(objects.stream().anyMatch(o -> o.path("event").asText().equals("server_started")
                && o.path("message").asText().contains("listening on control")), "the start-up line");
    }

    @Test
    void shouldEscapeTheClientNameWhenLogFormatIsText() throws Exception {
        Run run = runServerWithOneSession();

        for (String line : run.lines()) {
            assertTrue(TEXT_LINE.matcher(line).matches(), "a line of our own: " + line);
        }
        String escaped = "ControlConnection - session " + run.session() + " (mallory\\n"
                + "2026-11-25T23:35:38.276Z [ERROR] ChanmuxServer - forged\\r\\u001b[2J) closed";
        assertTrue(run.lines().stream().anyMatch(line -> line.endsWith(escaped)), "escaped in " + run.lines());
        assertFalse(run.lines().stream().anyMatch(line -> line.startsWith("2026-11-25T23:35:38.276Z")), "forged");
    }

    @Test
    void shouldWarnOfTheIntegerCacheOnceWhenThePollLoopRunsInAJvmWhoseCacheIsShort() throws Exception {
        // The JVM's default cache, said explicitly: an -XX:AutoBoxCacheMax in JAVA_TOOL_OPTIONS loses to it.
        List<JsonNode> warnings = integerCacheWarnings(List.of("-XX:AutoBoxCacheMax=127"), "--udp-engine", "poll-loop");

        assertEquals(1, warnings.size(), "one warning: " + warnings);
        assertEquals("WARN", warnings.getFirst().path("level").asText());
        assertTrue(warnings.getFirst().path("message").asText().contains("-XX:AutoBoxCacheMax=65535"), "the remedy");
    }

    @Test
    void shouldNotWarnOfTheIntegerCacheWhenTheJvmHasItOrTheEngineIsVirtualThreads() throws Exception {
        assertEquals(List.of(), integerCacheWarnings(List.of("-XX:AutoBoxCacheMax=65535"), "--udp-engine", "poll-loop"));
        assertEquals(List.of(), integerCacheWarnings(List.of(), "--udp-engine", "virtual-threads"));
    }

    /** The {@code integer_cache_short} lines of a server process that started and stopped. */
    private List<JsonNode> integerCacheWarnings(List<String> jvmOptions, String... options) throws Exception {
        List<String> all = new ArrayList<>(List.of("--udp-ports", "42000-42099", "--log-format", "json"));
        all.addAll(List.of(options));
        List<String> lines;
        try (ServerProcess server = ServerProcess.start(jvmOptions, all.toArray(String[]::new))) {
            server.control();
            lines = server.lines();
        }
        List<JsonNode> warnings = new ArrayList<>();
        for (String line : lines) {
            JsonNode object = json.readTree(line);
            if (object.path("event").asText().equals("integer_cache_short")) {
                warnings.add(object);
            }
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("chanmux stopped")), "the whole log: " + lines);
        return warnings;
    }

    private JsonNode only(List<JsonNode> objects, String messageStart) {
        List<JsonNode> found = objects.stream()
                .filter(o -> o.path("message").asText().startsWith(messageStart)).toList();
        assertEquals(1, found.size(), messageStart + " in " + objects);
        return found.getFirst();
    }

    /** What one server process logged, and the ids its one session and channel had. */
    private record Run(List<String> lines, String session, String channel) {
    }

    private static Run runServerWithOneSession(String... options) throws Exception {
        List<String> all = new ArrayList<>(List.of("--udp-ports", "42000-42099"));
        all.addAll(List.of(options));
        List<String> lines;
        try (ServerProcess server = ServerProcess.start(all.toArray(String[]::new))) {
            lines = server.lines();
            String session;
            try (ChanmuxClient client = ChanmuxClient.connect(server.control())) {
                client.hello(FORGING_NAME);
                ChannelInfo channel = client.create(CreateOptions.DEFAULTS);
                client.delete(channel.channel());
                session = await().until(() -> sessionOpened(lines), s -> !s.isEmpty());
            }
            await().until(() -> lines.stream().anyMatch(l -> l.contains("session " + session + " (")));
        }
        String session = sessionOpened(lines);
        String channel = lines.stream().map(l -> Pattern.compile("channel (\\w+) created").matcher(l))
                .filter(Matcher::find).map(m -> m.group(1)).findFirst().orElseThrow();
        return new Run(List.copyOf(lines), session, channel);
    }

    private static String sessionOpened(List<String> lines) {
        return lines.stream().flatMap(l -> Stream.of(Pattern.compile("session (\\S+) opened").matcher(l)))
                .filter(Matcher::find).map(m -> m.group(1)).findFirst().orElse("");
    }
}
