package io.chanmux.loadtest.report;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The machine-readable report of a rate sweep: whether the load generator was the bottleneck at a
 * step that decides the knee (first), the shared settings, the knee, and one entry per
 * step with the figures the sweep compares, followed by that step's complete single-run report
 * ({@link JsonReport}) under {@code run}. Units as in {@link JsonReport}: latencies in
 * microseconds, CPU in percent of one core, an unmeasured figure {@code null}.
 *
 * <p>{@link #REQUIRED_KEYS} lists, as JSON pointers, every key the document always has, and
 * {@link #REQUIRED_STEP_KEYS} every key of each step, relative to the step.
 *
 * <p>Stateless: every method is safe from any thread.
 */
public final class SweepJsonReport {
    /** Every key the document always contains. */
    public static final List<String> REQUIRED_KEYS = List.of("/generatorBound", "/tool", "/kind", "/chanmuxVersion", "/title", "/target",
            "/startedAt", "/config", "/environment", "/maxLossPercent", "/rates", "/completed", "/abortedReason",
            "/knee", "/integrityFailed", "/generatorBoundSteps", "/headline", "/failures", "/exitStatus", "/steps");

    /** Every key each element of {@code /steps} contains. */
    public static final List<String> REQUIRED_STEP_KEYS = List.of("/step", "/rate", "/offeredPerSecond",
            "/relayInPerSecond", "/deliveredPerSecond", "/expectedPerSecond", "/lossPercent", "/aboveMaxLoss", "/knee",
            "/latencyUs/p50", "/latencyUs/p99", "/latencyUs/p99_9", "/latencyUs/max", "/serverCpuPercent",
            "/loadGeneratorCpuPercent", "/serverDrops", "/hostRcvbufDrops", "/peersFailed", "/integrityFailed",
            "/generatorBound", "/failures", "/run");

    private SweepJsonReport() {
    }

    /** Writes the report to {@code file}, creating parent directories. */
    public static void write(SweepResult sweep, Path file, String chanmuxVersion) throws IOException {
        JsonReport.writeTree(toJson(sweep, chanmuxVersion), file);
    }

    /** The report as a JSON tree. */
    public static ObjectNode toJson(SweepResult r, String chanmuxVersion) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        List<Integer> generatorBound = r.generatorBoundSteps();
        root.put("generatorBound", !generatorBound.isEmpty()); // first, as in a single run's report
        root.put("tool", "chanmux-loadtest");
        root.put("kind", "sweep");
        root.put("chanmuxVersion", chanmuxVersion);
        root.put("title", r.title());
        root.put("target", r.target());
        root.put("startedAt", r.startedAt().toString());
        root.set("config", JsonReport.objectOf(r.config()));
        root.set("environment", JsonReport.objectOf(r.environment()));
        root.put("maxLossPercent", r.maxLossPercent());
        ArrayNode rates = root.putArray("rates");
        r.rates().forEach(rates::add);
        root.put("completed", r.completed());
        root.put("abortedReason", r.abortedReason());
        int kneeIndex = r.kneeIndex();
        if (kneeIndex < 0) {
            root.putNull("knee");
        } else {
            SweepStep k = r.steps().get(kneeIndex);
            root.putObject("knee")
                    .put("step", kneeIndex + 1)
                    .put("rate", k.rate())
                    .put("offeredPerSecond", k.offeredPerSecond())
                    .put("deliveredPerSecond", k.deliveredPerSecond())
                    .put("lossPercent", k.lossPercent());
        }
        root.put("kneeSentence", SweepTable.kneeSentence(r));
        root.put("integrityFailed", r.integrityFailed());
        ArrayNode boundSteps = root.putArray("generatorBoundSteps");
        generatorBound.forEach(boundSteps::add);
        root.put("headline", r.headline());
        ArrayNode sweepFailures = root.putArray("failures");
        r.failures().forEach(sweepFailures::add);
        root.put("exitStatus", r.exitStatus());

        ArrayNode steps = root.putArray("steps");
        for (int i = 0; i < r.steps().size(); i++) {
            SweepStep s = r.steps().get(i);
            ObjectNode step = steps.addObject();
            step.put("step", i + 1);
            step.put("rate", s.rate());
            step.put("offeredPerSecond", s.offeredPerSecond());
            JsonReport.putKnown(step, "relayInPerSecond", s.relayInPerSecond());
            step.put("deliveredPerSecond", s.deliveredPerSecond());
            step.put("expectedPerSecond", s.expectedPerSecond());
            step.put("lossPercent", s.lossPercent());
            step.put("aboveMaxLoss", s.lossPercent() > r.maxLossPercent());
            step.put("knee", i == kneeIndex);
            LatencySummary l = s.latency();
            step.putObject("latencyUs")
                    .put("p50", l.p50Ns() / 1e3)
                    .put("p99", l.p99Ns() / 1e3)
                    .put("p99_9", l.p999Ns() / 1e3)
                    .put("max", l.maxNs() / 1e3);
            JsonReport.putKnown(step, "serverCpuPercent", s.serverCpuPercent());
            JsonReport.putKnown(step, "loadGeneratorCpuPercent", s.loadGeneratorCpuPercent());
            JsonReport.putKnown(step, "serverDrops", s.serverDrops());
            JsonReport.putKnown(step, "hostRcvbufDrops", s.hostRcvbufDrops());
            step.put("peersFailed", s.peersFailed());
            step.put("integrityFailed", s.integrityFailed());
            step.put("generatorBound", s.run().generator().bound());
            ArrayNode failures = step.putArray("failures");
            s.run().verdict().failures().forEach(failures::add);
            step.set("run", JsonReport.toJson(s.run(), chanmuxVersion));
        }
        return root;
    }
}
