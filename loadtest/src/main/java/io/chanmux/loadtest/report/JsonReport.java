package io.chanmux.loadtest.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The machine-readable report: every figure of a {@link LoadTestResult}, the settings, and the
 * per-second time series. Latencies are in microseconds (fields ending {@code Us}), sizes in
 * bytes, CPU in percent of one core; a figure that could not be measured is {@code null}.
 *
 * <p>{@link #REQUIRED_KEYS} lists, as JSON pointers, every key the document always has; tests
 * check the document against it, and anything that reads the report may rely on it.
 *
 * <p>Stateless: every method is safe from any thread.
 */
public final class JsonReport {
    /** Every key the report always contains. */
    public static final List<String> REQUIRED_KEYS = List.of(
            "/generatorBound", "/tool", "/chanmuxVersion", "/title", "/target", "/startedAt",
            "/config/channels", "/config/peersPerChannel", "/config/sendersPerChannel", "/config/rate",
            "/config/payloadBytes", "/config/durationSeconds", "/config/warmupSeconds", "/config/rampPeersPerSecond",
            "/config/maxLossPercent", "/config/embedded", "/config/scenario", "/config/serverPid",
            "/environment/cores", "/environment/javaVersion", "/environment/openFilesLimit",
            "/connect/channels", "/connect/peersRequested", "/connect/peersConnected", "/connect/peersFailed",
            "/connect/firstError", "/connect/channelsSeconds", "/connect/peersSeconds", "/connect/peersPerSecond",
            "/connect/joinLatencyUs/p50", "/connect/joinLatencyUs/p99", "/connect/joinLatencyUs/max",
            "/traffic/warmupSeconds", "/traffic/measuredSeconds", "/traffic/drainSeconds",
            "/traffic/offered", "/traffic/offeredPerSecond", "/traffic/relayIn", "/traffic/relayInPerSecond",
            "/traffic/delivered", "/traffic/deliveredPerSecond", "/traffic/expected", "/traffic/lost",
            "/traffic/lossPercent", "/traffic/maxLossPercent", "/traffic/warmupOffered", "/traffic/warmupExpected",
            "/traffic/warmupLost", "/traffic/duplicates", "/traffic/reordered", "/traffic/echoed",
            "/traffic/corrupt", "/traffic/corruptTotal", "/traffic/keepalives", "/traffic/pongs",
            "/traffic/sendErrors", "/traffic/receiveErrors", "/traffic/hostRcvbufErrors", "/traffic/hostSndbufErrors",
            "/latencyUs/count", "/latencyUs/mean", "/latencyUs/p50", "/latencyUs/p90", "/latencyUs/p99",
            "/latencyUs/p99_9", "/latencyUs/max",
            "/schedulerLagUs/p50", "/schedulerLagUs/p99", "/schedulerLagUs/max",
            "/latencyPercentileCurve",
            "/server/pid", "/server/embedded", "/server/counters", "/server/dropped", "/server/droppedTotal",
            "/server/cpuPercent", "/server/loadGeneratorCpuPercent",
            "/server/memory/rssBeforeBytes", "/server/memory/rssConnectedBytes", "/server/memory/rssEndBytes",
            "/server/memory/rssBytesPerPeer", "/server/memory/heapBeforeBytes", "/server/memory/heapConnectedBytes",
            "/server/memory/heapBytesPerPeer", "/server/memory/includesLoadGenerator",
            "/timeSeries", "/nodes",
            "/generator/bound", "/generator/allowed", "/generator/cpuPercentOfCores", "/generator/cores",
            "/generator/schedulerLagP99Us", "/generator/cpuLimitPercent", "/generator/lagLimitUs",
            "/generator/reasons", "/generator/headline",
            "/verdict/passed", "/verdict/exitStatus", "/verdict/failures");

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {
    }

    /** Writes the report to {@code file}, creating parent directories. */
    public static void write(LoadTestResult result, Path file, String chanmuxVersion) throws IOException {
        writeTree(toJson(result, chanmuxVersion), file);
    }

    /** Writes any report tree to {@code file}, indented, creating parent directories. */
    static void writeTree(ObjectNode tree, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        MAPPER.writeValue(file.toFile(), tree);
    }

    /** The report as a JSON tree. */
    public static ObjectNode toJson(LoadTestResult r, String chanmuxVersion) {
        ObjectNode root = MAPPER.createObjectNode();
        GeneratorCheck g = r.generator();
        root.put("generatorBound", g.bound()); // first, so no reader takes the figures for the server's unwarned
        root.put("tool", "chanmux-loadtest");
        root.put("chanmuxVersion", chanmuxVersion);
        root.put("title", r.title());
        root.put("target", r.target());
        root.put("startedAt", r.startedAt().toString());
        root.set("config", objectOf(r.config()));
        root.set("environment", objectOf(r.environment()));

        ConnectSummary c = r.connect();
        ObjectNode connect = root.putObject("connect");
        connect.put("channels", c.channels());
        connect.put("peersRequested", c.peersRequested());
        connect.put("peersConnected", c.peersConnected());
        connect.put("peersFailed", c.peersFailed());
        connect.put("firstError", c.firstError());
        connect.put("channelsSeconds", c.channelsSeconds());
        connect.put("peersSeconds", c.peersSeconds());
        connect.put("peersPerSecond", c.peersPerSecond());
        connect.set("joinLatencyUs", latency(c.joinLatency()));

        TrafficSummary t = r.traffic();
        double window = t.measuredSeconds();
        ObjectNode traffic = root.putObject("traffic");
        traffic.put("warmupSeconds", t.warmupSeconds());
        traffic.put("measuredSeconds", window);
        traffic.put("drainSeconds", t.drainSeconds());
        traffic.put("offered", t.offered());
        traffic.put("offeredPerSecond", t.offered() / window);
        putKnown(traffic, "relayIn", t.relayIn());
        if (t.relayIn() >= 0) {
            traffic.put("relayInPerSecond", t.relayIn() / window);
        } else {
            traffic.putNull("relayInPerSecond");
        }
        traffic.put("delivered", t.delivered());
        traffic.put("deliveredPerSecond", t.delivered() / window);
        traffic.put("expected", t.expected());
        traffic.put("lost", t.lost());
        traffic.put("lossPercent", t.lossPercent());
        traffic.put("maxLossPercent", t.maxLossPercent());
        traffic.put("warmupOffered", t.warmupOffered());
        traffic.put("warmupExpected", t.warmupExpected());
        traffic.put("warmupLost", t.warmupLost());
        traffic.put("duplicates", t.duplicates());
        traffic.put("reordered", t.reordered());
        traffic.put("echoed", t.echoed());
        traffic.set("corrupt", countsOf(t.corrupt()));
        traffic.put("corruptTotal", t.corruptTotal());
        traffic.put("keepalives", t.keepalives());
        traffic.put("pongs", t.pongs());
        traffic.put("sendErrors", t.sendErrors());
        traffic.put("receiveErrors", t.receiveErrors());
        putKnown(traffic, "hostRcvbufErrors", t.hostRcvbufErrors());
        putKnown(traffic, "hostSndbufErrors", t.hostSndbufErrors());

        root.set("latencyUs", latency(r.latency()));
        root.set("schedulerLagUs", latency(r.schedulerLag()));
        ArrayNode curve = root.putArray("latencyPercentileCurve");
        for (PercentilePoint point : r.latencyCurve()) {
            curve.addObject().put("percentile", point.percentile()).put("latencyUs", point.valueNs() / 1e3);
        }

        ObjectNode generator = root.putObject("generator");
        generator.put("bound", g.bound());
        generator.put("allowed", g.allowed());
        putKnown(generator, "cpuPercentOfCores", g.cpuPercentOfCores());
        generator.put("cores", g.cores());
        generator.put("schedulerLagP99Us", g.schedulerLagP99Ns() / 1e3);
        generator.put("cpuLimitPercent", GeneratorCheck.CPU_LIMIT_PERCENT);
        generator.put("lagLimitUs", GeneratorCheck.LAG_LIMIT_NS / 1e3);
        ArrayNode reasons = generator.putArray("reasons");
        g.reasons().forEach(reasons::add);
        generator.put("headline", g.headline());

        ServerSummary s = r.server();
        ObjectNode server = root.putObject("server");
        putKnown(server, "pid", s.pid());
        server.put("embedded", s.embedded());
        server.set("counters", countsOf(s.counters()));
        server.set("dropped", countsOf(s.dropped()));
        server.put("droppedTotal", s.droppedTotal());
        putKnown(server, "cpuPercent", s.cpuPercent());
        putKnown(server, "loadGeneratorCpuPercent", s.loadGeneratorCpuPercent());
        MemorySummary m = s.memory();
        ObjectNode memory = server.putObject("memory");
        putKnown(memory, "rssBeforeBytes", m.rssBeforeBytes());
        putKnown(memory, "rssConnectedBytes", m.rssConnectedBytes());
        putKnown(memory, "rssEndBytes", m.rssEndBytes());
        putFinite(memory, "rssBytesPerPeer", m.rssBytesPerPeer());
        putKnown(memory, "heapBeforeBytes", m.heapBeforeBytes());
        putKnown(memory, "heapConnectedBytes", m.heapConnectedBytes());
        putFinite(memory, "heapBytesPerPeer", m.heapBytesPerPeer());
        memory.put("includesLoadGenerator", m.includesLoadGenerator());

        ArrayNode series = root.putArray("timeSeries");
        for (IntervalSample sample : r.timeSeries()) {
            ObjectNode point = series.addObject();
            point.put("elapsedSeconds", sample.elapsedSeconds());
            point.put("phase", sample.phase());
            point.put("offeredPerSecond", sample.offeredPerSecond());
            putKnown(point, "relayInPerSecond", sample.relayInPerSecond());
            point.put("deliveredPerSecond", sample.deliveredPerSecond());
            point.put("lostSoFar", sample.lostSoFar());
            point.put("lossPercentSoFar", sample.lossPercentSoFar());
            point.put("p50Us", sample.p50Ns() / 1e3);
            point.put("p99Us", sample.p99Ns() / 1e3);
            point.put("maxUs", sample.maxNs() / 1e3);
            point.put("schedulerLagP99Us", sample.lagP99Ns() / 1e3);
            putKnown(point, "serverCpuPercent", sample.serverCpuPercent());
            putKnown(point, "loadGeneratorCpuPercent", sample.loadGeneratorCpuPercent());
        }

        ArrayNode nodes = root.putArray("nodes");
        for (NodeDelivery node : r.nodes()) {
            nodes.addObject()
                    .put("node", node.node())
                    .put("channels", node.channels())
                    .put("delivered", node.delivered())
                    .put("deliveredPerSecond", node.deliveredPerSecond());
        }

        Verdict v = r.verdict();
        ObjectNode verdict = root.putObject("verdict");
        verdict.put("passed", v.passed());
        verdict.put("exitStatus", v.exitStatus());
        ArrayNode failures = verdict.putArray("failures");
        v.failures().forEach(failures::add);
        return root;
    }

    private static ObjectNode latency(LatencySummary l) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("count", l.count());
        node.put("mean", l.meanNs() / 1e3);
        node.put("p50", l.p50Ns() / 1e3);
        node.put("p90", l.p90Ns() / 1e3);
        node.put("p99", l.p99Ns() / 1e3);
        node.put("p99_9", l.p999Ns() / 1e3);
        node.put("max", l.maxNs() / 1e3);
        return node;
    }

    private static ObjectNode countsOf(Map<String, Long> counts) {
        ObjectNode node = MAPPER.createObjectNode();
        counts.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> node.put(e.getKey(), e.getValue()));
        return node;
    }

    static ObjectNode objectOf(Map<String, Object> values) {
        ObjectNode node = MAPPER.createObjectNode();
        values.forEach((key, value) -> node.set(key, MAPPER.valueToTree(value)));
        return node;
    }

    static void putKnown(ObjectNode node, String key, long value) {
        if (value < 0) {
            node.putNull(key);
        } else {
            node.put(key, value);
        }
    }

    private static void putFinite(ObjectNode node, String key, double value) {
        if (Double.isFinite(value)) {
            node.put(key, value);
        } else {
            node.putNull(key);
        }
    }

    static void putKnown(ObjectNode node, String key, double value) {
        if (value < 0 || Double.isNaN(value) || Double.isInfinite(value)) {
            node.putNull(key);
        } else {
            node.put(key, value);
        }
    }
}
