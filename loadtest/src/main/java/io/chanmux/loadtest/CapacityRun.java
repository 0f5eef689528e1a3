package io.chanmux.loadtest;

import io.chanmux.loadtest.probe.RelayStats;
import io.chanmux.loadtest.probe.RelayStatsSnapshot;
import io.chanmux.loadtest.probe.ServerProbe;
import io.chanmux.loadtest.report.CapacityResult;
import io.chanmux.loadtest.report.GeneratorCheck;
import io.chanmux.loadtest.traffic.PeerGroup;
import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.CreateOptions;
import io.chanmux.server.ChanmuxServer;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A capacity test ({@code --peers-per-socket} above 1): how many channels and bound peers one
 * server holds, and what each costs it. Phase by phase:
 * <ol>
 *   <li>read the server's resident memory idle;</li>
 *   <li>create the channels, {@code M} per owner session, owners working side by side (at most
 *       {@code --join-concurrency} at once); read the memory again;</li>
 *   <li>join the peers: one {@link PeerGroup} per session and UDP socket, carrying the j-th peer of
 *       {@code M} consecutive channels, at most {@code --join-concurrency} groups joining at once;
 *       every peer binds; read the memory again;</li>
 *   <li>hold for {@code --duration}: every peer PINGs every {@code --keepalive} and re-binds if its
 *       PONGs stop; then ask the server how many channels and peers it still holds.</li>
 * </ol>
 * The generator checks its own CPU over each of the create and join phases
 * ({@link #busiestPhasePercent}, {@link GeneratorCheck#judgeCpu}): at 90 % of its cores or more in
 * either, the create and join rates are its own, and the run fails unless
 * {@code --allow-generator-bound} was given.
 * No DATA flows: fan-out throughput is the other runs' business.
 *
 * <p>Threading: {@link #run} runs on the caller's thread, which forks the owners, then the groups,
 * in {@link StructuredTaskScope}s of its own. Use once.
 */
public final class CapacityRun {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);

    private final LoadTestConfig config;
    private final PrintStream out;

    /**
     * @param config a capacity test's settings ({@link LoadTestConfig#isCapacityTest})
     * @param out    where progress lines go
     */
    public CapacityRun(LoadTestConfig config, PrintStream out) {
        this.config = config;
        this.out = out;
    }

    /**
     * Runs every phase.
     *
     * @throws LoadTestException when the run cannot take place (limits, server unreachable, channels refused)
     */
    public CapacityResult run() throws LoadTestException, InterruptedException {
        Instant startedAt = Instant.now();
        FileDescriptorBudget.check(config);
        ChanmuxServer embedded = config.embedded() ? EmbeddedServer.start(config) : null;
        try {
            InetSocketAddress control = embedded != null ? embedded.controlAddress() : config.server();
            ServerProbe server = ServerProbe.of(embedded != null ? ProcessHandle.current().pid() : config.serverPid());
            String target = LoadTest.address(control) + (server.isKnown() ? " (server pid " + server.pid() + ")" : "");
            try (RelayStats stats = LoadTest.connectStats(control, config.tls())) {
                return execute(control, server, stats, target, startedAt);
            } catch (IOException e) {
                throw new LoadTestException("closing the stats session failed: " + e.getMessage(), e);
            }
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    private CapacityResult execute(InetSocketAddress control, ServerProbe server, RelayStats stats, String target,
                                   Instant startedAt) throws LoadTestException, InterruptedException {
        int m = config.peersPerSocket();
        out.printf(Locale.ROOT, "chanmux-loadtest capacity: %,d channels x %d peers (%,d peers), %d per session and "
                        + "socket, against %s%n", config.channels(), config.peersPerChannel(), config.totalPeers(), m,
                target);
        long rssIdle = server.residentBytes().orElse(-1);
        List<ChanmuxClient> owners = new ArrayList<>();
        try {
            long began = System.nanoTime();
            long serverTicksIdle = server.cpuTicks().orElse(-1);
            long ownTicksIdle = ServerProbe.self().cpuTicks().orElse(-1);
            String[] channels = createChannels(control, stats, owners);
            long channelsDone = System.nanoTime();
            double channelsSeconds = (channelsDone - began) / 1e9;
            long serverTicksChannels = server.cpuTicks().orElse(-1);
            long ownTicksChannels = ServerProbe.self().cpuTicks().orElse(-1);
            long rssChannels = server.residentBytes().orElse(-1);
            out.printf(Locale.ROOT, "created %,d channels in %.1f s (%,.0f/s)%n", channels.length, channelsSeconds,
                    channels.length / channelsSeconds);

            PeerGroup.Tally tally = new PeerGroup.Tally();
            PeerGroup.Settings settings = new PeerGroup.Settings(control, config.keepalive(), REQUEST_TIMEOUT,
                    BIND_TIMEOUT, config.peerReceiveBufferBytes());
            List<PeerGroup> groups = new ArrayList<>();
            for (int j = 0; j < config.peersPerChannel(); j++) {
                for (int first = 0; first < channels.length; first += m) {
                    List<String> slice = Arrays.asList(channels).subList(first, Math.min(channels.length, first + m));
                    groups.add(new PeerGroup("p" + j + "-c" + first, slice, settings, tally));
                }
            }
            CountDownLatch stop = new CountDownLatch(1);
            CountDownLatch connected = new CountDownLatch(groups.size());
            AtomicReference<String> firstError = new AtomicReference<>();
            Semaphore joining = new Semaphore(config.joinConcurrency());
            double peersSeconds;
            long serverTicksPeers;
            long ownTicksPeers;
            GeneratorCheck generator;
            long rssPeers;
            long rssEnd;
            double holdSeconds;
            long serverTicksHold;
            long rcvbufErrors;
            RelayStatsSnapshot atHold;
            RelayStatsSnapshot atEnd;
            try (var scope = StructuredTaskScope.open(Joiner.<Object>awaitAll(), cfg -> cfg.withName("capacity-groups"))) {
                long joinBegan = System.nanoTime();
                try {
                    for (PeerGroup group : groups) {
                        joining.acquire();
                        scope.fork(() -> {
                            try {
                                group.run(() -> {
                                    joining.release();
                                    connected.countDown();
                                }, stop);
                            } catch (IOException | RuntimeException e) {
                                firstError.compareAndSet(null, group.name() + ": " + e);
                            }
                            return null;
                        });
                    }
                    awaitWithProgress(connected, tally, joinBegan);
                    long joined = System.nanoTime();
                    peersSeconds = (joined - joinBegan) / 1e9;
                    serverTicksPeers = server.cpuTicks().orElse(-1);
                    ownTicksPeers = ServerProbe.self().cpuTicks().orElse(-1);
                    generator = GeneratorCheck.judgeCpu(busiestPhasePercent(ownTicksIdle, ownTicksChannels,
                                    channelsDone - began, ownTicksPeers, joined - channelsDone),
                            Runtime.getRuntime().availableProcessors(), config.allowGeneratorBound());
                    rssPeers = server.residentBytes().orElse(-1);
                    out.printf(Locale.ROOT, "joined and bound %,d of %,d peers in %.1f s (%,.0f/s)%s%n",
                            tally.bound().sum(), config.totalPeers(), peersSeconds, tally.bound().sum() / peersSeconds,
                            firstError.get() == null ? "" : "; first error: " + firstError.get());

                    atHold = snapshot(stats);
                    Long rcvbufErrorsBefore = ServerProbe.hostUdpCounters().get("RcvbufErrors");
                    long holdBegan = System.nanoTime();
                    hold(tally, holdBegan);
                    holdSeconds = (System.nanoTime() - holdBegan) / 1e9;
                    serverTicksHold = server.cpuTicks().orElse(-1);
                    Long rcvbufErrorsAfter = ServerProbe.hostUdpCounters().get("RcvbufErrors");
                    rcvbufErrors = rcvbufErrorsBefore == null || rcvbufErrorsAfter == null ? -1
                            : rcvbufErrorsAfter - rcvbufErrorsBefore;
                    atEnd = snapshot(stats);
                    rssEnd = server.residentBytes().orElse(-1);
                } finally {
                    stop.countDown();
                }
                scope.join();
            }
            long rebinds = groups.stream().mapToLong(PeerGroup::rebinds).sum();
            long dropped = atHold.counters().isEmpty() || atEnd.counters().isEmpty() ? -1
                    : atEnd.droppedTotal() - atHold.droppedTotal();
            return new CapacityResult(target, startedAt, config.toMap(), config.channels(), channels.length,
                    channelsSeconds, config.totalPeers(), tally.bound().sum(), firstError.get(), peersSeconds, rssIdle,
                    rssChannels, rssPeers, rssEnd, holdSeconds, tally.pings().sum(), tally.pongs().sum(), rebinds,
                    gauge(atEnd, "channels"), gauge(atEnd, "peers"), dropped,
                    cpuSeconds(serverTicksIdle, serverTicksChannels), cpuSeconds(serverTicksChannels, serverTicksPeers),
                    cpuSeconds(ownTicksChannels, ownTicksPeers), cpuSeconds(serverTicksPeers, serverTicksHold),
                    rcvbufErrors, generator);
        } finally {
            for (ChanmuxClient owner : owners) {
                closeQuietly(owner);
            }
        }
    }

    /**
     * Creates the channels, {@code M} per owner session; the stats session owns the first {@code M}
     * so a run opens one connection per {@code M} channels in all.
     */
    private String[] createChannels(InetSocketAddress control, RelayStats stats, List<ChanmuxClient> owners)
            throws LoadTestException, InterruptedException {
        int m = config.peersPerSocket();
        String[] channels = new String[config.channels()];
        AtomicReference<Exception> failure = new AtomicReference<>();
        Semaphore inFlight = new Semaphore(config.joinConcurrency());
        try (var scope = StructuredTaskScope.open(Joiner.<Object>awaitAll(), cfg -> cfg.withName("capacity-owners"))) {
            for (int first = 0; first < channels.length && failure.get() == null; first += m) {
                inFlight.acquire();
                int from = first;
                scope.fork(() -> {
                    try {
                        ChanmuxClient owner = from == 0 ? stats.session() : ownerSession(control, from, owners);
                        for (int c = from; c < Math.min(channels.length, from + m); c++) {
                            channels[c] = owner.create(new CreateOptions("capacity-" + c, config.peersPerChannel(),
                                    null)).channel();
                        }
                    } catch (IOException | RuntimeException e) {
                        failure.compareAndSet(null, e);
                    } finally {
                        inFlight.release();
                    }
                });
            }
            scope.join();
        }
        Exception cause = failure.get();
        if (cause != null) {
            throw new LoadTestException("creating channels failed after " + Arrays.stream(channels).filter(c -> c != null)
                    .count() + " of " + channels.length + ": " + cause + " (does the server allow --max-channels "
                    + channels.length + ", --max-channels-per-session " + m + " and a --request-rate that high? "
                    + "Without --udp-port it needs a port per channel)", cause);
        }
        return channels;
    }

    private ChanmuxClient ownerSession(InetSocketAddress control, int first, List<ChanmuxClient> owners)
            throws IOException {
        ChanmuxClient owner = ChanmuxClient.connect(control, event -> { }, REQUEST_TIMEOUT);
        synchronized (owners) {
            owners.add(owner);
        }
        owner.hello("chanmux-loadtest owner " + first);
        return owner;
    }

    private void awaitWithProgress(CountDownLatch connected, PeerGroup.Tally tally, long beganNs)
            throws InterruptedException {
        while (!connected.await(PROGRESS_EVERY.toNanos(), TimeUnit.NANOSECONDS)) {
            out.printf(Locale.ROOT, "  %5.0f s: %,d joined, %,d bound%n", (System.nanoTime() - beganNs) / 1e9,
                    tally.joined().sum(), tally.bound().sum());
        }
    }

    private void hold(PeerGroup.Tally tally, long beganNs) throws InterruptedException {
        long endNs = beganNs + config.duration().toNanos();
        long now;
        while ((now = System.nanoTime()) - endNs < 0) {
            TimeUnit.NANOSECONDS.sleep(Math.min(PROGRESS_EVERY.toNanos(), endNs - now));
            out.printf(Locale.ROOT, "  hold %5.0f s: %,d PINGs, %,d PONGs%n", (System.nanoTime() - beganNs) / 1e9,
                    tally.pings().sum(), tally.pongs().sum());
        }
    }

    /**
     * This process's CPU in percent of one core over the busier of its two phases, creating the
     * channels and joining the peers, each judged on its own so that a phase spent waiting for
     * the server cannot dilute one spent at the limit; -1 when neither lasted
     * {@link CapacityResult#MIN_CHECKED_SECONDS} with both its tick readings known.
     *
     * @param ticksIdle     this process's CPU ticks before the first channel, or -1
     * @param ticksChannels after the last channel, or -1
     * @param channelsNs    how long the channels took
     * @param ticksPeers    after the last peer was bound, or -1
     * @param peersNs       how long the peers took
     */
    static double busiestPhasePercent(long ticksIdle, long ticksChannels, long channelsNs, long ticksPeers,
                                      long peersNs) {
        return Math.max(phasePercent(ticksIdle, ticksChannels, channelsNs),
                phasePercent(ticksChannels, ticksPeers, peersNs));
    }

    private static double phasePercent(long ticksBefore, long ticksAfter, long elapsedNs) {
        boolean judged = ticksBefore >= 0 && ticksAfter >= 0 && elapsedNs >= CapacityResult.MIN_CHECKED_SECONDS * 1e9;
        return judged ? ServerProbe.cpuPercent(ticksBefore, ticksAfter, elapsedNs) : -1;
    }

    private static RelayStatsSnapshot snapshot(RelayStats stats) {
        RelayStatsSnapshot snapshot = stats.trySnapshot();
        return snapshot == null ? RelayStatsSnapshot.EMPTY : snapshot;
    }

    private static double cpuSeconds(long ticksBefore, long ticksAfter) {
        return ticksBefore < 0 || ticksAfter < 0 ? -1 : (double) (ticksAfter - ticksBefore) / ServerProbe.CLOCK_TICKS_PER_SECOND;
    }

    private static long gauge(RelayStatsSnapshot snapshot, String name) {
        return snapshot.counters().isEmpty() ? -1 : snapshot.counter(name);
    }

    private static void closeQuietly(ChanmuxClient client) {
        try {
            client.close();
        } catch (IOException ignored) {
            // the server deletes the channels when their owner's session ends, either way
        }
    }
}
