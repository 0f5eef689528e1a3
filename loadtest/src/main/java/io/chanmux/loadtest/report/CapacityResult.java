package io.chanmux.loadtest.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a capacity test found: how fast the server created channels and took peers, how much
 * resident memory each cost it, whether every peer stayed bound through the hold, and whether
 * the load generator, not the server, set the create and join rates. Sizes are bytes (-1 when
 * unknown), rates per second, times seconds. Immutable.
 *
 * @param target             the server, as the run describes it
 * @param startedAt          when the run started
 * @param config             the settings, as {@code LoadTestConfig.toMap}
 * @param channelsRequested  channels the run asked for
 * @param channelsCreated    channels the server created
 * @param channelsSeconds    time to create them
 * @param peersRequested     peers the run asked for
 * @param peersBound         peers joined and bound
 * @param firstError         the first failure, or null
 * @param peersSeconds       time to join and bind them
 * @param rssIdleBytes       the server's VmRSS before the first channel
 * @param rssChannelsBytes   after the channels
 * @param rssPeersBytes      after the peers
 * @param rssEndBytes        after the hold
 * @param holdSeconds        how long the peers kept alive
 * @param pings              keepalive PINGs sent during the whole run
 * @param pongs              their PONGs received
 * @param rebinds            peers that bound again after a lapse or a hint
 * @param serverChannelsEnd  the server's live channels after the hold ({@code stats}), or -1
 * @param serverPeersEnd     the server's peers after the hold, or -1
 * @param serverDroppedHold  datagrams the server dropped during the hold, or -1
 * @param serverCpuChannels  the server's CPU seconds (user + system) while it created the channels, or -1
 * @param serverCpuPeers     the server's CPU seconds while it took the peers, or -1
 * @param loadCpuPeers       this load generator's CPU seconds while the peers joined and bound, or -1
 * @param serverCpuHold      the server's CPU seconds during the hold, or -1
 * @param hostRcvbufErrors   datagrams the host's kernel dropped at full receive buffers during the hold
 *                           (any socket, client or server), or -1
 * @param generator          this load generator's check of itself over the busier of the create and
 *                           join phases (CPU only: creates and joins keep no schedule; not known
 *                           when neither took {@link #MIN_CHECKED_SECONDS}); when it was bound, the
 *                           create and join rates are its own, not the server's
 */
public record CapacityResult(String target, Instant startedAt, Map<String, Object> config, int channelsRequested,
                             int channelsCreated, double channelsSeconds, int peersRequested, long peersBound,
                             String firstError, double peersSeconds, long rssIdleBytes, long rssChannelsBytes,
                             long rssPeersBytes, long rssEndBytes, double holdSeconds, long pings, long pongs,
                             long rebinds, long serverChannelsEnd, long serverPeersEnd, long serverDroppedHold,
                             double serverCpuChannels, double serverCpuPeers, double loadCpuPeers,
                             double serverCpuHold, long hostRcvbufErrors, GeneratorCheck generator) {
    /** The figures a bound generator makes its own: how fast channels were created and peers joined. */
    private static final String GENERATOR_FIGURES = "the create and join rates below are";
    /**
     * The shortest phase (creating the channels, joining the peers) the generator's CPU is judged
     * over: the CPU is read in 10 ms ticks, so a shorter phase gives a figure too coarse to judge.
     */
    public static final double MIN_CHECKED_SECONDS = 1.0;

    /** Channels created per second. */
    public double channelsPerSecond() {
        return channelsCreated / channelsSeconds;
    }

    /** Peers joined and bound per second. */
    public double peersPerSecond() {
        return peersBound / peersSeconds;
    }

    /** Creates and joins per second over both phases. */
    public double createsAndJoinsPerSecond() {
        return (channelsCreated + peersBound) / (channelsSeconds + peersSeconds);
    }

    /** The server's CPU microseconds per channel created, NaN when unknown: its capacity is a million over it per core-second. */
    public double serverCpuMicrosPerChannel() {
        return serverCpuChannels < 0 ? Double.NaN : serverCpuChannels * 1e6 / channelsCreated;
    }

    /** The server's CPU microseconds per peer joined and bound, NaN when unknown. */
    public double serverCpuMicrosPerPeer() {
        return serverCpuPeers < 0 ? Double.NaN : serverCpuPeers * 1e6 / peersBound;
    }

    /** The server's resident memory per channel, NaN when unknown. */
    public double rssBytesPerChannel() {
        return per(rssChannelsBytes - rssIdleBytes, channelsCreated, rssIdleBytes, rssChannelsBytes);
    }

    /** The server's resident memory per peer, NaN when unknown. */
    public double rssBytesPerPeer() {
        return per(rssPeersBytes - rssChannelsBytes, peersBound, rssChannelsBytes, rssPeersBytes);
    }

    /** Every channel and peer made it, and the server still held them all after the hold. */
    public boolean allHeld() {
        return channelsCreated == channelsRequested && peersBound == peersRequested
                && serverChannelsEnd == channelsRequested && serverPeersEnd == peersRequested;
    }

    /**
     * The generator's warning the reports lead with when it was bound while the channels were
     * created and the peers joined; empty otherwise.
     */
    public String headline() {
        return generator.headline(GENERATOR_FIGURES);
    }

    /** One sentence per reason the run fails: something missing at the end, or a bound generator (unless allowed). */
    public List<String> failures() {
        List<String> failures = new ArrayList<>();
        if (!allHeld()) {
            failures.add("channels or peers missing at the end");
        }
        if (generator.failsRun()) {
            failures.add("the load generator was the bottleneck while channels were created or peers joined "
                    + "(--allow-generator-bound accepts such a run)");
        }
        return failures;
    }

    /** 0, or {@code Verdict.FAILED} when there are {@link #failures}. */
    public int exitStatus() {
        return failures().isEmpty() ? 0 : Verdict.FAILED;
    }

    /** The summary for the console: the generator's warning first when it was bound. */
    public String render() {
        StringBuilder text = new StringBuilder();
        if (generator.bound()) {
            text.append(headline()).append('\n');
        }
        line(text, "capacity test against %s", target);
        line(text, "channels    %,d of %,d created in %.1f s: %,.0f/s", channelsCreated, channelsRequested,
                channelsSeconds, channelsPerSecond());
        line(text, "peers       %,d of %,d joined and bound in %.1f s: %,.0f/s%s", peersBound, peersRequested,
                peersSeconds, peersPerSecond(), firstError == null ? "" : " (first error: " + firstError + ")");
        line(text, "creates + joins  %,.0f/s", createsAndJoinsPerSecond());
        line(text, "server CPU  %.1f s for the channels (%.0f µs each), %.1f s for the peers (%.0f µs each); "
                        + "load generator %.1f s for the peers", serverCpuChannels, serverCpuMicrosPerChannel(),
                serverCpuPeers, serverCpuMicrosPerPeer(), loadCpuPeers);
        line(text, "server RSS  idle %s, with channels %s, with peers %s, after the hold %s", rss(rssIdleBytes),
                rss(rssChannelsBytes), rss(rssPeersBytes), rss(rssEndBytes));
        line(text, "            %s per channel, %s per peer", Units.bytes(rssBytesPerChannel()),
                Units.bytes(rssBytesPerPeer()));
        line(text, "hold        %.0f s: %,d keepalive PINGs, %,d PONGs, %,d re-binds; server CPU %.1f s; kernel "
                + "receive-buffer drops %,d", holdSeconds, pings, pongs, rebinds, serverCpuHold, hostRcvbufErrors);
        line(text, "server end  %,d channels, %,d peers; %,d datagrams dropped during the hold", serverChannelsEnd,
                serverPeersEnd, serverDroppedHold);
        line(text, "generator   %s", !generator.cpuKnown() ? "not checked: its CPU could not be read, or creating the "
                + "channels and joining the peers each took under " + MIN_CHECKED_SECONDS + " s" : String.format(Locale.ROOT,
                "%s: cpu %.0f %% of its %d core%s in the busier of the create and join phases (limit %.0f %%)",
                generator.bound() ? "BOUND" : "ok", generator.cpuPercentOfCores(), generator.cores(),
                generator.cores() == 1 ? "" : "s", GeneratorCheck.CPU_LIMIT_PERCENT));
        List<String> failures = failures();
        line(text, "verdict     %s", failures.isEmpty() ? "PASS" : "FAIL: " + String.join("; ", failures));
        return text.toString();
    }

    /** Writes every figure as JSON. */
    public void writeJson(Path file) throws IOException {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("generatorBound", generator.bound()); // first, as in a run's report
        document.put("tool", "chanmux-loadtest capacity");
        document.put("target", target);
        document.put("startedAt", startedAt.toString());
        document.put("config", config);
        document.put("channelsRequested", channelsRequested);
        document.put("channelsCreated", channelsCreated);
        document.put("channelsSeconds", channelsSeconds);
        document.put("channelsPerSecond", channelsPerSecond());
        document.put("peersRequested", peersRequested);
        document.put("peersBound", peersBound);
        document.put("peersSeconds", peersSeconds);
        document.put("peersPerSecond", peersPerSecond());
        document.put("createsAndJoinsPerSecond", createsAndJoinsPerSecond());
        document.put("firstError", firstError);
        document.put("rssIdleBytes", rssIdleBytes);
        document.put("rssChannelsBytes", rssChannelsBytes);
        document.put("rssPeersBytes", rssPeersBytes);
        document.put("rssEndBytes", rssEndBytes);
        document.put("rssBytesPerChannel", finite(rssBytesPerChannel()));
        document.put("rssBytesPerPeer", finite(rssBytesPerPeer()));
        document.put("holdSeconds", holdSeconds);
        document.put("pings", pings);
        document.put("pongs", pongs);
        document.put("rebinds", rebinds);
        document.put("serverChannelsEnd", serverChannelsEnd);
        document.put("serverPeersEnd", serverPeersEnd);
        document.put("serverDroppedHold", serverDroppedHold);
        document.put("serverCpuSecondsChannels", serverCpuChannels);
        document.put("serverCpuSecondsPeers", serverCpuPeers);
        document.put("loadGeneratorCpuSecondsPeers", loadCpuPeers);
        document.put("serverCpuMicrosPerChannel", finite(serverCpuMicrosPerChannel()));
        document.put("serverCpuMicrosPerPeer", finite(serverCpuMicrosPerPeer()));
        document.put("serverCpuSecondsHold", serverCpuHold);
        document.put("hostRcvbufErrorsHold", hostRcvbufErrors);
        Map<String, Object> generatorCheck = new LinkedHashMap<>();
        generatorCheck.put("bound", generator.bound());
        generatorCheck.put("allowed", generator.allowed());
        generatorCheck.put("checked", generator.cpuKnown());
        generatorCheck.put("cpuPercentOfCores", generator.cpuKnown() ? generator.cpuPercentOfCores() : null);
        generatorCheck.put("cores", generator.cores());
        generatorCheck.put("cpuLimitPercent", GeneratorCheck.CPU_LIMIT_PERCENT);
        generatorCheck.put("reasons", generator.reasons());
        generatorCheck.put("headline", headline());
        document.put("generator", generatorCheck);
        document.put("allHeld", allHeld());
        document.put("passed", exitStatus() == 0);
        document.put("exitStatus", exitStatus());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), document);
    }

    private static String rss(long bytes) {
        return bytes < 0 ? "n/a" : Units.bytes(bytes);
    }

    private static double per(long growth, long count, long before, long after) {
        return before < 0 || after < 0 || count == 0 ? Double.NaN : (double) growth / count;
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private static void line(StringBuilder text, String format, Object... args) {
        text.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
}
