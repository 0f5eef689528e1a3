package io.chanmux.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chanmux.server.cluster.RedisServer;
import io.chanmux.server.config.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operators' kit cannot rot: every metric the Grafana dashboard ({@code ops/grafana/chanmux.json})
 * and the Prometheus alert rules ({@code ops/prometheus/alerts.yml}) use is exported by a running
 * server (the {@code chanmux_cluster_*} ones by a server in a cluster on a real Redis), and both
 * files have the shape Grafana and Prometheus need to load them.
 */
@Timeout(60)
class OpsFilesTest {
    /** Series Prometheus makes itself, not the server. */
    private static final Set<String> MADE_BY_PROMETHEUS = Set.of("up");
    /** Metrics a server exports only with {@code --cluster}: checked against a clustered server. */
    private static final String CLUSTER_PREFIX = "chanmux_cluster_";
    private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");
    private static final Pattern DURATION = Pattern.compile("\\d+[smhd]");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*})? \\S+$");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)");

    private static final Path OPS = findOps();

    @Test
    void shouldExportEveryMetricTheDashboardAndTheAlertRulesUse() throws Exception {
        Set<String> used = new TreeSet<>(usedMetricNames());
        used.removeIf(name -> name.startsWith(CLUSTER_PREFIX));
        used.removeAll(MADE_BY_PROMETHEUS);

        Set<String> exported;
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.METRICS_PORT, 0))) {
            relayOneDatagram(relay);
            exported = scrapeMetricNames(relay);
        }

        assertExported(used, exported);
        assertTrue(used.size() > 25, "the extraction found too little to prove anything: " + used);
    }

    @Test
    void shouldExportEveryClusterMetricTheDashboardAndTheAlertRulesUseWhenClustered() throws Exception {
        Set<String> used = new TreeSet<>(usedMetricNames());
        used.removeIf(name -> !name.startsWith(CLUSTER_PREFIX));

        try (RedisServer redis = RedisServer.start();
             TestRelay relay = TestRelay.start(b -> b.set(Settings.METRICS_PORT, 0)
                     .set(Settings.CLUSTER, redis.uri()).set(Settings.NODE_ID, "ops"))) {
            // The round trip gauge appears with the first beat that read Redis.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> scrapeMetricNames(relay).contains("chanmux_cluster_redis_round_trip_seconds"));

            assertExported(used, scrapeMetricNames(relay));
        }
        assertTrue(used.size() >= 5, "every chanmux_cluster_* metric is on the dashboard or in a rule: " + used);
    }

    @Test
    void shouldShowWhatOperatorsAskForOnTheDashboard() throws IOException {
        Set<String> used = new HashSet<>();
        dashboardExpressions().forEach(expr -> used.addAll(metricNames(expr)));

        for (String metric : List.of("chanmux_channels", "chanmux_peers", "chanmux_sessions",
                "chanmux_datagrams_received_total", "chanmux_datagrams_forwarded_total",
                "chanmux_datagrams_dropped_total", "chanmux_sessions_closed_total", "chanmux_events_dropped_total",
                "chanmux_pool_queue_depth", "chanmux_pool_channels", "jvm_memory_used_bytes",
                "jvm_gc_collection_seconds_sum", "jvm_threads_current", "process_open_fds",
                "chanmux_cluster_nodes", "chanmux_cluster_redis_up", "chanmux_cluster_redis_round_trip_seconds",
                "chanmux_cluster_redis_errors_total", "chanmux_cluster_moves_total")) {
            assertTrue(used.contains(metric), metric + " on the dashboard");
        }
        String all = Files.readString(OPS.resolve("grafana/chanmux.json"));
        assertTrue(all.contains("reason=\\\"rate_limited\\\""), "rate-limited peers");
        assertTrue(all.contains("reason=\\\"outbound_overflow\\\""), "outbound overflows");
    }

    @Test
    void shouldBeADashboardGrafanaCanImportAsItIs() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(OPS.resolve("grafana/chanmux.json").toFile());

        assertEquals("chanmux", dashboard.path("uid").asText());
        assertFalse(dashboard.path("title").asText().isBlank());
        assertTrue(dashboard.path("schemaVersion").asInt() >= 36, "a schema current Grafana reads without migration");
        assertFalse(dashboard.has("id") && !dashboard.get("id").isNull(), "an id would clash with the importer's");
        JsonNode datasource = dashboard.path("templating").path("list").get(0);
        assertEquals("datasource", datasource.path("type").asText(), "the data source is chosen on import");
        assertEquals("prometheus", datasource.path("query").asText());
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertTrue(ids.add(panel.path("id").asInt()), "unique panel id " + panel.path("id"));
            for (String field : List.of("h", "w", "x", "y")) {
                assertTrue(panel.path("gridPos").path(field).isInt(), field + " of " + panel.path("title"));
            }
            if (!panel.path("type").asText().equals("row")) {
                assertEquals("${datasource}", panel.path("datasource").path("uid").asText(),
                        panel.path("title").asText());
                assertFalse(panel.path("targets").isEmpty(), panel.path("title").asText());
                for (JsonNode target : panel.path("targets")) {
                    assertFalse(target.path("refId").asText().isEmpty());
                    assertTrue(target.path("expr").asText().contains("instance=~\"$instance\""),
                            "every query follows the instance picker: " + target.path("expr").asText());
                }
            }
        }
    }

    @Test
    void shouldBeAlertRulesPrometheusCanLoad() throws IOException {
        Map<String, Object> file = yaml();
        List<?> groups = assertInstanceOf(List.class, file.get("groups"), "groups");
        assertFalse(groups.isEmpty());
        Set<String> names = new HashSet<>();
        for (Object g : groups) {
            Map<?, ?> group = assertInstanceOf(Map.class, g);
            assertInstanceOf(String.class, group.get("name"), "groups[].name");
            List<?> rules = assertInstanceOf(List.class, group.get("rules"), "groups[].rules");
            for (Object r : rules) {
                Map<?, ?> rule = assertInstanceOf(Map.class, r);
                String alert = assertInstanceOf(String.class, rule.get("alert"), "rules[].alert in " + rule);
                assertTrue(names.add(alert), "unique alert name " + alert);
                assertFalse(assertInstanceOf(String.class, rule.get("expr"), alert + ".expr").isBlank());
                String forValue = assertInstanceOf(String.class, rule.get("for"), alert + ".for");
                assertTrue(DURATION.matcher(forValue).matches(), alert + ".for: " + forValue);
                Map<?, ?> labels = assertInstanceOf(Map.class, rule.get("labels"), alert + ".labels");
                assertTrue(SEVERITIES.contains(labels.get("severity")), alert + ".labels.severity: " + labels);
                Map<?, ?> annotations = assertInstanceOf(Map.class, rule.get("annotations"), alert + ".annotations");
                for (String key : List.of("summary", "description")) {
                    assertFalse(assertInstanceOf(String.class, annotations.get(key), alert + "." + key).isBlank());
                }
            }
        }
    }

    @Test
    void shouldAlertOnWhatOperatorsAskFor() throws IOException {
        Set<String> used = new HashSet<>();
        for (Map<String, Object> rule : rules()) {
            used.addAll(metricNames((String) rule.get("expr")));
        }

        for (String metric : List.of("up", "chanmux_datagrams_dropped_total", "chanmux_receive_errors_total",
                "chanmux_pool_queue_depth", "chanmux_udp_ports_in_use", "chanmux_udp_ports_total",
                "chanmux_sessions_max", "process_open_fds", "process_max_fds", "chanmux_cluster_nodes",
                "chanmux_cluster_redis_up")) {
            assertTrue(used.contains(metric), metric + " in an alert");
        }
    }

    @Test
    void shouldFindOnlyMetricNamesWhenReadingPromQl() {
        String expr = "sum by (instance, reason) (rate(chanmux_a_total{job=~\"$job\",reason!=\"x y\"}"
                + "[$__rate_interval]))"
                + " / clamp_min(sum without (pool) (chanmux_b), 1) > 0.01 and on(instance) chanmux_c offset 5m"
                + " or absent(up{job=\"chanmux\"}) unless ignoring (gc) group_left(le) process_d > bool 1e3";

        assertEquals(Set.of("chanmux_a_total", "chanmux_b", "chanmux_c", "up", "process_d"), metricNames(expr));
    }

    /**
     * The metric names in a PromQL expression: what is left once strings, label matchers, ranges,
     * Grafana variables and grouping clauses are gone, minus functions (a name before a
     * parenthesis) and keywords.
     */
    static Set<String> metricNames(String expr) {
        String bare = expr
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("\"[^\"]*\"", " ")
                .replaceAll("\\$\\w+", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new HashSet<>();
        Matcher m = Pattern.compile("(?<![\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?").matcher(bare);
        while (m.find()) {
            if (m.group(2) == null && !Set.of("and", "or", "unless", "bool", "offset").contains(m.group(1))) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** Every metric name the dashboard's panels and variables and the alert rules use. */
    private static Set<String> usedMetricNames() throws IOException {
        Set<String> used = new TreeSet<>();
        dashboardExpressions().forEach(expr -> used.addAll(metricNames(expr)));
        for (String query : dashboardVariableQueries()) {
            Matcher m = LABEL_VALUES.matcher(query);
            assertTrue(m.find(), "a label_values query: " + query);
            used.add(m.group(1));
        }
        for (Map<String, Object> rule : rules()) {
            used.addAll(metricNames((String) rule.get("expr")));
        }
        return used;
    }

    private static void assertExported(Set<String> used, Set<String> exported) {
        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(exported);
        assertEquals(Set.of(), missing, "used by ops/ but not in /metrics; exported: " + exported);
    }

    private static List<String> dashboardExpressions() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(OPS.resolve("grafana/chanmux.json").toFile());
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                exprs.add(target.path("expr").asText());
            }
        }
        return exprs;
    }

    private static List<String> dashboardVariableQueries() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(OPS.resolve("grafana/chanmux.json").toFile());
        List<String> queries = new ArrayList<>();
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                queries.add(variable.path("query").path("query").asText());
            }
        }
        return queries;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rules() throws IOException {
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Object group : (List<Object>) yaml().get("groups")) {
            rules.addAll((List<Map<String, Object>>) ((Map<String, Object>) group).get("rules"));
        }
        return rules;
    }

    private static Map<String, Object> yaml() throws IOException {
        String text = Files.readString(OPS.resolve("prometheus/alerts.yml"));
        return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    }

    /**
     * Answers a request and relays a datagram: most series exist from the start at zero, the
     * request counts from the first request.
     */
    private static void relayOneDatagram(TestRelay relay) throws IOException {
        TestClient client = relay.client("ops");
        TestPeer a = client.join(client.create().channel());
        TestPeer b = relay.client("ops-b").join(a.handle().channel());
        a.send("hello");
        b.receivePayload();
    }

    /** The sample names the server's /metrics serves now. */
    private static Set<String> scrapeMetricNames(TestRelay relay) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + relay.server().metricsAddress().getPort() + "/metrics");
        String body = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
        Set<String> names = new TreeSet<>();
        for (String line : body.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.matches()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    private static Path findOps() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("ops/grafana"))) {
                return dir.resolve("ops");
            }
        }
        throw new IllegalStateException("no ops/ directory above " + Path.of("").toAbsolutePath());
    }
}
