package io.chanmux.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import io.chanmux.loadtest.probe.RelayStats;
import io.chanmux.loadtest.probe.RelayStatsSnapshot;
import io.chanmux.loadtest.probe.ServerProbe;
import io.chanmux.loadtest.report.ConnectSummary;
import io.chanmux.loadtest.report.GeneratorCheck;
import io.chanmux.loadtest.report.LatencySummary;
import io.chanmux.loadtest.report.LoadTestResult;
import io.chanmux.loadtest.report.MemorySummary;
import io.chanmux.loadtest.report.NodeDelivery;
import io.chanmux.loadtest.report.PercentilePoint;
import io.chanmux.loadtest.report.ProgressReporter;
import io.chanmux.loadtest.report.ServerSummary;
import io.chanmux.loadtest.report.TrafficSummary;
import io.chanmux.loadtest.report.Units;
import io.chanmux.loadtest.report.Verdict;
import io.chanmux.loadtest.traffic.ConnectTracker;
import io.chanmux.loadtest.traffic.DeliveryRecorder;
import io.chanmux.loadtest.traffic.DeliveryTally;
import io.chanmux.loadtest.traffic.PayloadFormat;
import io.chanmux.loadtest.traffic.PeerContext;
import io.chanmux.loadtest.traffic.RateScheduler;
import io.chanmux.loadtest.traffic.ReceiveLoop;
import io.chanmux.loadtest.traffic.RunTimeline;
import io.chanmux.loadtest.traffic.SendLoop;
import io.chanmux.loadtest.traffic.SenderWindow;
import io.chanmux.loadtest.traffic.SimulatedPeer;
import io.chanmux.loadtest.traffic.TrafficCounters;
import io.chanmux.loadtest.traffic.TrafficPlan;
import io.chanmux.loadtest.traffic.TrafficSignals;
import io.chanmux.protocol.client.ClientTls;
import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ChanmuxException;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.client.CreateOptions;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.wire.HostPort;
import io.chanmux.server.ChanmuxServer;
import io.chanmux.server.config.PortRange;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One load-test run, phase by phase:
 * <ol>
 *   <li>check the open-files budget; start the embedded server if asked;</li>
 *   <li>create the channels, one owner session each, a bounded number at a time;</li>
 *   <li>start the peers at the ramp rate, with a bounded number of joins in flight; each connects,
 *       binds, and keeps itself alive with PINGs until the traffic starts;</li>
 *   <li>give every peer its plan (schedule, receivers, recorder) and start the traffic: warmup,
 *       then the measured window;</li>
 *   <li>drain: wait until every copy arrived, nothing has arrived for a while, or the drain
 *       limit passed;</li>
 *   <li>stop the peers, tally every receiver against every sender's window, and build the
 *       {@link LoadTestResult}.</li>
 * </ol>
 *
 * <p>Threading: {@link #run} runs on the caller's thread (the owner), which forks the progress
 * reporter and one virtual thread per peer in one {@link StructuredTaskScope}. Use once.
 */
public final class LoadTest {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STATS_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration STATS_POLL_INTERVAL = Duration.ofMillis(500);
    private static final Duration START_DELAY = Duration.ofMillis(200);
    private static final Duration QUIET_BEFORE_DRAIN_ENDS = Duration.ofSeconds(1);

    private final LoadTestConfig config;
    private final PrintStream out;
    private final TrafficCounters counters = new TrafficCounters();
    private final TrafficSignals signals = new TrafficSignals();

    /**
     * A channel and the session that created (and owns) it.
     *
     * @param node            the control address of the node that holds the channel (in a cluster,
     *                        where the create was placed)
     * @param sharedWithStats the stats session, closed with it rather than with the owners
     */
    private record ChannelOwner(ChanmuxClient session, String channel, InetSocketAddress node,
                                boolean sharedWithStats) {
    }

    /**
     * CPU time of the server and of this process at one moment.
     *
     * @param atNs        when it was read
     * @param serverTicks the server's user + system ticks, or -1
     * @param ownTicks    this process's, or -1
     */
    private record CpuSample(long atNs, long serverTicks, long ownTicks) {
        static CpuSample take(ServerProbe server) {
            return new CpuSample(System.nanoTime(), server.cpuTicks().orElse(-1), ServerProbe.self().cpuTicks().orElse(-1));
        }

        double serverPercentUntil(CpuSample later) {
            return cpu(serverTicks, later.serverTicks, later.atNs - atNs);
        }

        double ownPercentUntil(CpuSample later) {
            return cpu(ownTicks, later.ownTicks, later.atNs - atNs);
        }
    }

    /**
     * What the run reads of the server and the host at a phase boundary.
     *
     * @param stats    the server's counters (empty when it did not answer)
     * @param hostUdp  the host's UDP counters
     * @param rssBytes the server's resident memory, or -1
     * @param cpu      CPU times
     */
    private record Observation(RelayStatsSnapshot stats, Map<String, Long> hostUdp, long rssBytes, CpuSample cpu) {
        long hostUdpSince(Observation earlier, String counter) {
            Long before = earlier.hostUdp.get(counter);
            Long after = hostUdp.get(counter);
            return before == null || after == null ? -1 : after - before;
        }
    }

    /**
     * @param config the validated settings
     * @param out    where progress lines go
     */
    public LoadTest(LoadTestConfig config, PrintStream out) {
        this.config = config;
        this.out = out;
    }

    /**
     * Runs the whole test.
     *
     * @throws LoadTestException when the run cannot take place (limits, server unreachable, channels refused)
     */
    public LoadTestResult run() throws LoadTestException, InterruptedException {
        Instant startedAt = Instant.now();
        checkOpenFiles();
        ChanmuxServer embedded = config.embedded() ? EmbeddedServer.start(config) : null;
        try {
            InetSocketAddress control = embedded != null ? embedded.controlAddress() : config.server();
            ServerProbe server = ServerProbe.of(embedded != null ? ProcessHandle.current().pid() : config.serverPid());
            String target = embedded != null
                    ? "embedded " + address(control) + " (UDP ports " + embedded.config().get(Settings.UDP_PORTS)
                    + ", pid " + server.pid() + ")"
                    : address(control) + (server.isKnown() ? " (server pid " + server.pid() + ")" : " (server pid unknown)");
            RelayStats stats = connectStats(control, config.tls());
            try {
                return execute(control, server, stats, target, startedAt);
            } finally {
                closeQuietly(stats);
            }
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    private LoadTestResult execute(InetSocketAddress control, ServerProbe server, RelayStats stats, String target,
                                   Instant startedAt) throws LoadTestException, InterruptedException {
        ConnectTracker connects = new ConnectTracker(config.totalPeers(), config.joinConcurrency());
        PayloadFormat format = new PayloadFormat(config.payloadBytes());
        List<ReceiveLoop> receiveLoops = new ArrayList<>();
        for (int i = 0; i < receiveLoopCount(); i++) {
            receiveLoops.add(new ReceiveLoop(format, counters));
        }
        List<Thread> loopThreads = new ArrayList<>();
        for (int i = 0; i < receiveLoops.size(); i++) {
            loopThreads.add(Thread.ofPlatform().daemon().name("loadtest-receive-" + i).start(receiveLoops.get(i)::run));
        }
        try {
            return execute(control, server, stats, target, startedAt, connects,
                    new PeerContext(control, config.tls(), format, counters, signals, connects, config.keepalive(),
                            REQUEST_TIMEOUT, BIND_TIMEOUT, config.peerReceiveBufferBytes(), receiveLoops));
        } finally {
            receiveLoops.forEach(ReceiveLoop::stop);
            for (Thread thread : loopThreads) {
                thread.join();
            }
        }
    }

    /**
     * How many receive loops read the peers' sockets: one per core but one, which the send loop
     * (and, embedded, the server) needs; at least one.
     */
    private static int receiveLoopCount() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    }

    private LoadTestResult execute(InetSocketAddress control, ServerProbe server, RelayStats stats, String target,
                                   Instant startedAt, ConnectTracker connects, PeerContext context)
            throws LoadTestException, InterruptedException {
        int peersRequested = config.totalPeers();
        RelayStatsSnapshot atStart = snapshot(stats);
        long heapBefore = config.embedded() ? heapUsedAfterGc() : -1; // GC first, so RSS is read after it too
        long rssBefore = server.residentBytes().orElse(-1);

        out.printf(Locale.ROOT, "chanmux-loadtest: %s against %s%n", title(), target);
        long channelsBegan = System.nanoTime();
        List<ChannelOwner> owners = createChannels(control, stats);
        double channelsSeconds = (System.nanoTime() - channelsBegan) / 1e9;
        out.printf(Locale.ROOT, "created %,d channels in %.1f s; connecting %,d peers at %s/s, at most %d joins in flight%n",
                owners.size(), channelsSeconds, peersRequested, Units.number(config.rampPeersPerSecond()),
                config.joinConcurrency());
        try {
            ProgressReporter reporter = new ProgressReporter(out, counters, connects, peersRequested, stats, server,
                    config.embedded(), signals);
            List<SimulatedPeer> peers = new ArrayList<>(peersRequested);
            double peersSeconds;
            long rssConnected;
            long heapConnected;
            RunTimeline timeline;
            Observation atMeasure;
            CpuSample cpuAtEnd;
            Observation atEnd;
            double drainSeconds;
            stats.startPolling(STATS_POLL_INTERVAL);
            Thread reporterThread = Thread.ofPlatform().daemon().name("loadtest-progress").start(reporter::run);
            Thread sendThread = null;
            try (var scope = StructuredTaskScope.open(Joiner.<Object>awaitAll(), cfg -> cfg.withName("loadtest"))) {
                long peersBegan = System.nanoTime();
                startPeers(scope, owners, context, connects, peers, peersBegan);
                Duration connectLimit = Duration.ofSeconds((long) (peersRequested / config.rampPeersPerSecond()) + 60);
                if (!connects.awaitSettled(connectLimit)) {
                    signals.stop();
                    throw new LoadTestException(String.format(Locale.ROOT, "only %,d of %,d peers connected within %s "
                            + "(%,d failed); the server may be overloaded: try a lower --ramp", connects.connectedCount(),
                            peersRequested, connectLimit, connects.failedCount()));
                }
                peersSeconds = (System.nanoTime() - peersBegan) / 1e9;
                if (connects.connectedCount() == 0) {
                    signals.stop();
                    throw new LoadTestException("no peer could connect; the first error: " + connects.firstError());
                }
                out.printf(Locale.ROOT, "connected %,d of %,d peers in %.1f s (%,d failed)%n", connects.connectedCount(),
                        peersRequested, peersSeconds, connects.failedCount());
                heapConnected = config.embedded() ? heapUsedAfterGc() : -1;
                rssConnected = server.residentBytes().orElse(-1);

                timeline = RunTimeline.starting(System.nanoTime() + START_DELAY.toNanos(), config.warmup(),
                        config.duration());
                CountDownLatch sendingFinished = assignPlans(peers, timeline);
                SendLoop sendLoop = new SendLoop(peers.stream().filter(SimulatedPeer::sendsPaced).toList(), context);
                sendThread = Thread.ofPlatform().daemon().name("loadtest-send").start(sendLoop::run);
                reporter.startTraffic(timeline);
                signals.start();

                sleepUntil(timeline.measureStartNs());
                atMeasure = observe(stats, server);
                sleepUntil(timeline.trafficEndNs());
                cpuAtEnd = CpuSample.take(server);
                drainSeconds = drain(sendingFinished);
                atEnd = observe(stats, server);
                signals.stop();
                scope.join();
            } finally {
                signals.stop(); // on an early exit too: the reporter, the send loop and every peer end
                reporterThread.join();
                if (sendThread != null) {
                    sendThread.join();
                }
            }
            ProgressReporter.Totals totals = reporter.finish();

            int connected = connects.connectedCount();
            ConnectSummary connect = new ConnectSummary(owners.size(), peersRequested, connected, connects.failedCount(),
                    connects.firstError(), channelsSeconds, peersSeconds, LatencySummary.of(totals.joinLatency()));
            Map<Integer, SenderWindow> windows = senderWindows(peers);
            TrafficSummary traffic = trafficSummary(peers, windows, atMeasure, atEnd, drainSeconds);
            List<NodeDelivery> nodes = nodeDeliveries(peers, owners, windows, nodeNames(stats), traffic.measuredSeconds());
            // Without both boundary snapshots there is no difference to report (not totals since the server started).
            RelayStatsSnapshot serverDelta = atMeasure.stats().counters().isEmpty() || atEnd.stats().counters().isEmpty()
                    ? RelayStatsSnapshot.EMPTY : atEnd.stats().since(atMeasure.stats());
            MemorySummary memory = new MemorySummary(rssBefore, rssConnected, atEnd.rssBytes(),
                    perPeer(rssBefore, rssConnected, connected), heapBefore, heapConnected,
                    perPeer(heapBefore, heapConnected, connected), config.embedded());
            ServerSummary serverSummary = new ServerSummary(server.pid(), config.embedded(), serverDelta.counters(),
                    serverDelta.dropped(), atMeasure.cpu().serverPercentUntil(cpuAtEnd),
                    atMeasure.cpu().ownPercentUntil(cpuAtEnd), memory);
            if (atStart.counters().isEmpty()) {
                out.println("note: the server's stats could not be read; server counters are missing");
            } else if (serverDelta.counters().isEmpty()) {
                out.println("note: the server did not answer stats in time at a window boundary; server counters "
                        + "and relay-in are missing for this run");
            }
            LatencySummary lag = LatencySummary.of(totals.measuredLag());
            GeneratorCheck generator = GeneratorCheck.judge(serverSummary.loadGeneratorCpuPercent(),
                    Runtime.getRuntime().availableProcessors(), lag.p99Ns(), config.allowGeneratorBound());
            return new LoadTestResult(title(), target, startedAt, config.toMap(), environment(), connect, traffic,
                    LatencySummary.of(totals.measuredLatency()), lag, percentileCurve(totals.measuredLatency()),
                    serverSummary, totals.samples(), Verdict.judge(connect, traffic, generator), nodes, generator);
        } finally {
            closeOwners(owners);
        }
    }

    // ---- phases -------------------------------------------------------------------------------

    private void checkOpenFiles() throws LoadTestException {
        FileDescriptorBudget.check(config);
    }

    static RelayStats connectStats(InetSocketAddress control, ClientTls tls) throws LoadTestException {
        try {
            return RelayStats.connect(control, tls, STATS_TIMEOUT);
        } catch (ConnectException e) {
            throw new LoadTestException("cannot reach the chanmux server at " + address(control) + ": " + e.getMessage()
                    + " (is it running, and is that its control port?)", e);
        } catch (IOException e) {
            throw new LoadTestException("the chanmux server at " + address(control) + " did not answer hello: " + e, e);
        }
    }

    /**
     * Creates the channels, a bounded number at a time. Channel 0 is owned by the stats session,
     * so a run opens exactly one control connection per channel and per peer (servers cap their
     * connections, and a round number of peers should fit a round limit).
     */
    private List<ChannelOwner> createChannels(InetSocketAddress control, RelayStats stats)
            throws LoadTestException, InterruptedException {
        ChannelOwner[] owners = new ChannelOwner[config.channels()];
        AtomicReference<Exception> failure = new AtomicReference<>();
        Semaphore inFlight = new Semaphore(config.joinConcurrency());
        try (var scope = StructuredTaskScope.open(Joiner.<Object>awaitAll(), cfg -> cfg.withName("loadtest-channels"))) {
            for (int c = 0; c < owners.length && failure.get() == null; c++) {
                inFlight.acquire();
                int index = c;
                scope.fork(() -> {
                    try {
                        owners[index] = index == 0 ? createChannel(stats.session(), 0, true)
                                : createChannel(control, index);
                    } catch (IOException | RuntimeException e) {
                        failure.compareAndSet(null, e);
                    } finally {
                        inFlight.release();
                    }
                });
            }
            scope.join();
        }
        List<ChannelOwner> created = new ArrayList<>();
        for (ChannelOwner owner : owners) {
            if (owner != null) {
                created.add(owner);
            }
        }
        Exception cause = failure.get();
        if (cause != null) {
            closeOwners(created);
            throw new LoadTestException(describeCreateFailure(cause, created.size()), cause);
        }
        return created;
    }

    private ChannelOwner createChannel(InetSocketAddress control, int index) throws IOException {
        ChanmuxClient session = ChanmuxClient.connect(control, config.tls(), event -> { }, REQUEST_TIMEOUT);
        try {
            session.hello("chanmux-loadtest owner " + index);
            return createChannel(session, index, false);
        } catch (IOException | RuntimeException e) {
            session.close();
            throw e;
        }
    }

    private ChannelOwner createChannel(ChanmuxClient session, int index, boolean sharedWithStats) throws IOException {
        ChannelInfo channel = session.create(new CreateOptions("loadtest-" + index, config.peersPerChannel(), null));
        return new ChannelOwner(session, channel.channel(), session.nodeOf(channel.channel()), sharedWithStats);
    }

    private String describeCreateFailure(Exception cause, int created) {
        String prefix = String.format(Locale.ROOT, "creating channel %,d of %,d failed: ", created + 1, config.channels());
        if (cause instanceof ChanmuxException refused && refused.error() == ErrorCode.NO_PORTS) {
            return prefix + cause.getMessage() + ". Each channel needs its own UDP port: start the server with a range "
                    + "of at least " + config.channels() + " ports, e.g. --udp-ports 20000-29999";
        }
        if (cause instanceof ConnectException) {
            return prefix + cause.getMessage() + " (the server refused connections: is it out of file descriptors?)";
        }
        return prefix + cause;
    }

    private void startPeers(StructuredTaskScope<Object, Void> scope, List<ChannelOwner> owners, PeerContext context,
                            ConnectTracker connects, List<SimulatedPeer> peers, long beganNs)
            throws InterruptedException {
        // The ramp is a schedule like a sender's: peer n starts at beganNs + n / ramp.
        RateScheduler ramp = new RateScheduler(beganNs, 1e9 / config.rampPeersPerSecond(),
                beganNs + TimeUnit.DAYS.toNanos(1));
        int k = config.peersPerChannel();
        for (int c = 0; c < owners.size(); c++) {
            for (int j = 0; j < k; j++) {
                sleepUntil(ramp.intendedNs(peers.size()));
                connects.admit();
                SimulatedPeer peer = new SimulatedPeer("c" + c + "-p" + j, c, owners.get(c).channel(), context);
                peers.add(peer);
                scope.fork(peer::run);
            }
        }
    }

    /**
     * Gives each connected peer its plan. The first {@code --senders-per-channel} peers of each
     * channel send; every connected peer receives from the channel's other senders. Each sender
     * keeps the configured per-sender rate, and their phases spread over one interval.
     */
    private CountDownLatch assignPlans(List<SimulatedPeer> peers, RunTimeline timeline) {
        // Peers were started channel by channel, k each, so peer i is number i % k of its channel.
        int k = config.peersPerChannel();
        Map<Integer, List<Integer>> connectedByChannel = new LinkedHashMap<>();
        int senders = 0;
        int connected = 0;
        for (int i = 0; i < peers.size(); i++) {
            if (peers.get(i).isConnected()) {
                connectedByChannel.computeIfAbsent(peers.get(i).channelIndex(), c -> new ArrayList<>()).add(i);
                connected++;
                if (isSender(i)) {
                    senders++;
                }
            }
        }
        CountDownLatch sendingFinished = new CountDownLatch(connected);
        double seconds = (timeline.trafficEndNs() - timeline.trafficStartNs()) / 1e9;
        long expectedPerSender = config.isMaxRate() ? 1024 : (long) Math.ceil(config.ratePerSender() * seconds) + 1;
        int senderIndex = 0;
        for (List<Integer> members : connectedByChannel.values()) {
            int[] channelSenders = members.stream().filter(this::isSender).mapToInt(i -> peers.get(i).peer()).toArray();
            for (int i : members) {
                SimulatedPeer member = peers.get(i);
                boolean sends = isSender(i);
                int[] others = Arrays.stream(channelSenders).filter(id -> id != member.peer()).toArray();
                RateScheduler schedule = null;
                if (sends && !config.isMaxRate()) {
                    schedule = RateScheduler.forSender(timeline.trafficStartNs(), timeline.trafficEndNs(),
                            config.ratePerSender() * senders, senderIndex, senders);
                }
                if (sends) {
                    senderIndex++;
                }
                member.assign(new TrafficPlan(timeline, schedule, sends, config.isMaxRate(), members.size() - 1,
                        new DeliveryRecorder(others, expectedPerSender), sendingFinished));
            }
        }
        return sendingFinished;
    }

    private boolean isSender(int peerIndex) {
        return peerIndex % config.peersPerChannel() < config.sendersPerChannel();
    }

    /**
     * Waits for late datagrams: until every sender finished and every expected copy arrived, or
     * nothing new arrived for a while, or the drain limit passed.
     *
     * @return seconds spent draining
     */
    private double drain(CountDownLatch sendingFinished) throws InterruptedException {
        long began = System.nanoTime();
        long deadline = began + config.maxDrain().toNanos();
        sendingFinished.await(config.maxDrain().toNanos(), TimeUnit.NANOSECONDS);
        long lastDelivered = -1;
        long lastChangeNs = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            long delivered = counters.delivered();
            if (sendingFinished.getCount() == 0 && delivered >= counters.expectedCopies()) {
                break;
            }
            if (delivered != lastDelivered) {
                lastDelivered = delivered;
                lastChangeNs = now;
            } else if (now - lastChangeNs >= QUIET_BEFORE_DRAIN_ENDS.toNanos()) {
                break;
            }
            if (now - deadline >= 0) {
                break;
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
        return (System.nanoTime() - began) / 1e9;
    }

    /** What each sender sent, by peer id. */
    private static Map<Integer, SenderWindow> senderWindows(List<SimulatedPeer> peers) {
        Map<Integer, SenderWindow> windows = new HashMap<>();
        for (SimulatedPeer peer : peers) {
            SenderWindow window = peer.senderWindow();
            if (window != null) {
                windows.put(window.peer(), window);
            }
        }
        return windows;
    }

    /**
     * Deliveries grouped by the node that relays each channel, in the order nodes first appear.
     * A channel is relayed by exactly one node, so the groups add up to the whole run's deliveries.
     */
    private static List<NodeDelivery> nodeDeliveries(List<SimulatedPeer> peers, List<ChannelOwner> owners,
                                                     Map<Integer, SenderWindow> windows, Map<String, String> names,
                                                     double measuredSeconds) {
        Map<String, long[]> byNode = new LinkedHashMap<>(); // node -> {channels, delivered}
        for (ChannelOwner owner : owners) {
            byNode.computeIfAbsent(nodeName(owner.node(), names), n -> new long[2])[0]++;
        }
        for (SimulatedPeer peer : peers) {
            TrafficPlan plan = peer.plan();
            if (plan != null) {
                byNode.get(nodeName(owners.get(peer.channelIndex()).node(), names))[1] +=
                        plan.recorder().tally(windows).delivered();
            }
        }
        List<NodeDelivery> nodes = new ArrayList<>();
        byNode.forEach((node, counts) -> nodes.add(new NodeDelivery(node, (int) counts[0], counts[1],
                measuredSeconds > 0 ? counts[1] / measuredSeconds : 0)));
        return nodes;
    }

    private static String nodeName(InetSocketAddress control, Map<String, String> names) {
        String address = address(control);
        return names.getOrDefault(address, address);
    }

    /**
     * The cluster's node ids by control address ({@code nodes}); empty when the server does not
     * answer it (an older server), and the report then names nodes by address.
     */
    private static Map<String, String> nodeNames(RelayStats stats) {
        Map<String, String> names = new HashMap<>();
        try {
            for (JsonNode node : stats.session().call("nodes", null).path("nodes")) {
                names.put(node.path("control").asText(), node.path("node").asText());
            }
        } catch (IOException e) {
            // names stay addresses
        }
        return names;
    }

    private TrafficSummary trafficSummary(List<SimulatedPeer> peers, Map<Integer, SenderWindow> windows,
                                          Observation atMeasure, Observation atEnd, double drainSeconds) {
        long offered = 0;
        long warmupOffered = 0;
        for (SenderWindow window : windows.values()) {
            offered += window.measuredCount();
            warmupOffered += window.warmupCount();
        }
        DeliveryTally tally = DeliveryTally.EMPTY;
        for (SimulatedPeer peer : peers) {
            TrafficPlan plan = peer.plan();
            if (plan != null) {
                tally = tally.plus(plan.recorder().tally(windows));
            }
        }
        Map<String, Long> corrupt = new LinkedHashMap<>();
        counters.corrupt().forEach((kind, count) -> corrupt.put(kind.reportName(), count));
        corrupt.put("beyond_end", tally.beyondEnd());
        long corruptTotal = counters.corruptTotal() + tally.beyondEnd();
        long relayIn = atMeasure.stats().counters().isEmpty() || atEnd.stats().counters().isEmpty() ? -1
                : atEnd.stats().counter("datagramsIn") - atMeasure.stats().counter("datagramsIn");
        return new TrafficSummary(config.warmup().toNanos() / 1e9, config.duration().toNanos() / 1e9, drainSeconds,
                offered, relayIn, tally.delivered(), tally.expected(), tally.lost(), tally.lossPercent(),
                config.maxLossPercent(), warmupOffered, tally.warmupExpected(), tally.warmupLost(),
                counters.duplicates(), counters.reordered(), counters.echoed(), corrupt, corruptTotal,
                counters.keepalives(), counters.pongs(), counters.sendErrors(), counters.receiveErrors(),
                atEnd.hostUdpSince(atMeasure, "RcvbufErrors"), atEnd.hostUdpSince(atMeasure, "SndbufErrors"));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private String title() {
        return String.format(Locale.ROOT, "%s%,d channels x %d peers (%,d peers, %,d senders), %d-byte payload, %s "
                        + "datagrams/s offered (%s per sender)",
                config.scenario() == null ? "" : "scenario " + config.scenario() + ": ",
                config.channels(), config.peersPerChannel(), config.totalPeers(), config.totalSenders(),
                config.payloadBytes(), config.rateText(),
                config.isMaxRate() ? "max" : Units.number(Math.round(config.ratePerSender() * 1000) / 1000.0));
    }

    private static Map<String, Object> environment() {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("cores", Runtime.getRuntime().availableProcessors());
        env.put("javaVersion", Runtime.version().toString());
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        env.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
        ServerProbe.OpenFilesLimit limit = ServerProbe.openFilesLimit();
        env.put("openFilesLimit", limit == null ? null : limit.soft());
        env.put("openFilesHardLimit", limit == null ? null : limit.hard());
        return env;
    }

    private static List<PercentilePoint> percentileCurve(Histogram histogram) {
        List<PercentilePoint> curve = new ArrayList<>();
        if (histogram.getTotalCount() == 0) {
            return curve;
        }
        for (HistogramIterationValue value : histogram.percentiles(5)) {
            curve.add(new PercentilePoint(value.getPercentileLevelIteratedTo(), value.getValueIteratedTo()));
        }
        return curve;
    }

    private static Observation observe(RelayStats stats, ServerProbe server) {
        // /proc first, at the boundary itself: a saturated server may take seconds to answer
        // stats, and the host's drop counters read after that wait would miss the window's drops.
        CpuSample cpu = CpuSample.take(server);
        Map<String, Long> hostUdp = ServerProbe.hostUdpCounters();
        long rssBytes = server.residentBytes().orElse(-1);
        return new Observation(snapshot(stats), hostUdp, rssBytes, cpu);
    }

    private static RelayStatsSnapshot snapshot(RelayStats stats) {
        RelayStatsSnapshot snapshot = stats.trySnapshot();
        return snapshot == null ? RelayStatsSnapshot.EMPTY : snapshot;
    }

    private static double cpu(long before, long after, long elapsedNs) {
        return before < 0 || after < 0 ? -1 : ServerProbe.cpuPercent(before, after, elapsedNs);
    }

    private static double perPeer(long before, long after, int peers) {
        return before < 0 || after < 0 || peers == 0 ? Double.NaN : (double) (after - before) / peers;
    }

    private static long heapUsedAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void sleepUntil(long deadlineNs) throws InterruptedException {
        long waitNs;
        while ((waitNs = deadlineNs - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(waitNs);
        }
    }

    static String address(InetSocketAddress address) {
        return HostPort.format(address);
    }

    private static void closeOwners(List<ChannelOwner> owners) {
        for (ChannelOwner owner : owners) {
            if (owner.sharedWithStats()) {
                continue;
            }
            try {
                owner.session().close();
            } catch (IOException ignored) {
                // the server deletes the channel when the owner's session ends, either way
            }
        }
    }

    private static void closeQuietly(RelayStats stats) {
        try {
            stats.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
