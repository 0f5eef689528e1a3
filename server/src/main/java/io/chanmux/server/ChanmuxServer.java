package io.chanmux.server;

import io.chanmux.protocol.control.ServerEvent;
import io.chanmux.protocol.wire.HostPort;
import io.chanmux.server.base.NanoClock;
import io.chanmux.server.base.Version;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.cluster.Cluster;
import io.chanmux.server.cluster.LocalNode;
import io.chanmux.server.cluster.RedisCluster;
import io.chanmux.server.cluster.SingleNode;
import io.chanmux.server.config.ConfigChanges;
import io.chanmux.server.config.LiveConfig;
import io.chanmux.server.config.RedisAddress;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import io.chanmux.server.config.UdpEngine;
import io.chanmux.server.control.ControlListener;
import io.chanmux.server.control.TransportFactory;
import io.chanmux.server.control.tls.ControlTls;
import io.chanmux.server.metrics.MetricsEndpoint;
import io.chanmux.server.metrics.ServerMetrics;
import io.chanmux.server.pool.ChannelDirectory;
import io.chanmux.server.pool.ChannelPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running chanmux server: the control listener, the channel pools and the summary logger, each on
 * its own virtual thread, forked in one root {@link StructuredTaskScope} that a root thread owns. Nested scopes
 * hang below it: the listener's (one thread per session) and each pool's (one thread per channel,
 * plus the keepalive ticker).
 *
 * <p>{@link #close} is structured cancellation: it closes the control socket and interrupts the
 * root thread, whose scope then cancels the listener and the pools; they close their sessions'
 * and channels' sockets, and every thread ends. Thread-safe.
 */
public final class ChanmuxServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChanmuxServer.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration DRAIN_POLL = Duration.ofMillis(50);

    private final LiveConfig live;
    private final ServerSocketChannel controlSocket;
    private final ChannelDirectory directory;
    private final ControlListener listener;
    private final ControlTls tls;
    private final Cluster cluster;
    /** The cluster's thread, or null for a single node (nothing runs then). */
    private final RedisCluster redisCluster;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicBoolean draining = new AtomicBoolean();
    /** The drain's timeout, fixed by the first drain call (a reload may change the setting meanwhile). */
    private final AtomicReference<Duration> drainTimeout = new AtomicReference<>();
    private final Thread root;
    private final MetricsEndpoint metrics;
    private volatile boolean failedUnexpectedly;

    private ChanmuxServer(LiveConfig live, NanoClock clock) throws IOException {
        this.live = live;
        ServerConfig config = live.current();
        // First: a certificate that cannot be used stops the start before anything is opened.
        this.tls = config.get(Settings.TLS_CERT) == null ? null
                : ControlTls.load(config.get(Settings.TLS_CERT), config.get(Settings.TLS_KEY), clock);
        this.directory = new ChannelDirectory(live, clock);
        this.controlSocket = ServerSocketChannel.open();
        try {
            controlSocket.bind(new InetSocketAddress(config.get(Settings.BIND), config.get(Settings.CONTROL_PORT)), 4096);
        } catch (IOException e) {
            controlSocket.close();
            directory.closeUnstarted();
            throw new IOException("cannot bind the control port "
                    + HostPort.format(new InetSocketAddress(config.get(Settings.BIND), config.get(Settings.CONTROL_PORT)))
                    + ": " + e.getMessage(), e);
        }
        LocalNode node = LocalNode.of(live, controlAddress(), directory, draining::get, clock.nanoTime());
        String clusterUri = config.get(Settings.CLUSTER);
        this.redisCluster = clusterUri == null ? null : new RedisCluster(node, RedisAddress.parse(clusterUri), directory,
                config.get(Settings.NODE_TTL), clock);
        this.cluster = redisCluster != null ? redisCluster : new SingleNode(node, clock);
        this.listener = new ControlListener(controlSocket, live, directory, clock,
                tls != null ? tls : TransportFactory.PLAIN, this::drain, draining::get, cluster);
        try {
            this.metrics = config.get(Settings.METRICS_PORT) < 0 ? null
                    : startMetrics(live, directory, listener, redisCluster, controlSocket);
        } catch (IOException e) {
            directory.closeUnstarted();
            throw e;
        }
        this.root = Thread.ofVirtual().name("chanmux-root").unstarted(this::runRoot);
    }

    private static MetricsEndpoint startMetrics(LiveConfig live, ChannelDirectory directory,
                                                ControlListener listener, RedisCluster cluster,
                                                ServerSocketChannel controlSocket) throws IOException {
        ServerConfig config = live.current();
        try {
            return MetricsEndpoint.start(config.get(Settings.METRICS_BIND), config.get(Settings.METRICS_PORT),
                    ServerMetrics.register(live, directory, listener, cluster), listener::isDraining);
        } catch (IOException e) {
            controlSocket.close();
            throw new IOException("cannot bind the metrics port "
                    + HostPort.format(new InetSocketAddress(config.get(Settings.METRICS_BIND), config.get(Settings.METRICS_PORT)))
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Binds the control port and starts every thread.
     *
     * @throws IllegalArgumentException when the TLS certificate or key cannot be used
     */
    public static ChanmuxServer start(ServerConfig config) throws IOException {
        return start(config, NanoClock.SYSTEM);
    }

    /** Starts with an injected clock (tests), and nothing for a reload to re-read. */
    public static ChanmuxServer start(ServerConfig config, NanoClock clock) throws IOException {
        return start(LiveConfig.fixed(config), clock);
    }

    /** Starts with settings a {@link #reload} re-reads from their sources. */
    public static ChanmuxServer start(LiveConfig live, NanoClock clock) throws IOException {
        ServerConfig config = live.current();
        if (config.get(Settings.UDP_ENGINE) == UdpEngine.POLL_LOOP) {
            // Before anything runs: then a throw here leaves nothing to close.
            warnIfDescriptorsBoxedAnew(highestDescriptor());
        }
        ChanmuxServer server = new ChanmuxServer(live, clock);
        server.root.start();
        log.atInfo().addKeyValue("event", "server_started")
                .log("chanmux {} listening on control {}{} with {} pools, {}, metrics {}", Version.VERSION,
                        HostPort.format(server.controlAddress()), server.tls == null ? "" : " (TLS)",
                        config.get(Settings.POOLS), server.udpDescription(),
                        server.metrics == null ? "off" : "http://" + HostPort.format(server.metrics.address()) + "/metrics");
        return server;
    }

    /**
     * The poll loop's selector (the JDK's) looks each ready socket up by its boxed descriptor, and a
     * descriptor above the JVM's {@code Integer} cache is boxed anew at every wake-up: garbage, and
     * so young collections now and then, that {@code -XX:AutoBoxCacheMax=65535} (bin/chanmux-server
     * passes it) avoids. Logged once at start-up ({@code integer_cache_short}) when the cache ends
     * below {@code highestDescriptor}.
     */
    private static void warnIfDescriptorsBoxedAnew(int highestDescriptor) {
        // Two boxes of one value are the same object only when they come from the cache.
        if (Integer.valueOf(highestDescriptor) != Integer.valueOf(highestDescriptor)) {
            log.atWarn().addKeyValue("event", "integer_cache_short")
                    .log("--udp-engine poll-loop: the JVM's Integer cache ends below descriptor {}, so the selector "
                            + "makes garbage at every wake-up of a socket above it, and the heap pauses to collect it "
                            + "now and then; start the JVM with -XX:AutoBoxCacheMax=65535, as bin/chanmux-server does "
                            + "(docs/configuration.md)", highestDescriptor);
        }
    }

    /**
     * The highest descriptor this process may open: its open-files limit less one, between 127 and
     * 65535; 65535 where the limit is unknown (not a Unix JVM) or unlimited (reported as -1).
     */
    private static int highestDescriptor() {
        long limit = ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
        return limit <= 0 ? 65_535 : Math.clamp(limit - 1, 127, 65_535);
    }

    /** The data plane for the start-up line: the port range, or the shared port and its sockets. */
    private String udpDescription() {
        ServerConfig config = live.current();
        if (config.get(Settings.UDP_PORT) < 0) {
            return "UDP ports " + config.get(Settings.UDP_PORTS).low() + "-" + config.get(Settings.UDP_PORTS).high() + " (one per channel)";
        }
        return "UDP port " + directory.sharedUdpPort() + " for every channel (" + directory.socketsPerChannel()
                + (directory.socketsPerChannel() == 1 ? " socket)" : " sockets, SO_REUSEPORT)");
    }

    /** The bound control address (with the real port when the config asked for port 0). */
    public InetSocketAddress controlAddress() {
        try {
            return (InetSocketAddress) controlSocket.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The settings the server runs with now. */
    public ServerConfig config() {
        return live.current();
    }

    /**
     * Re-reads the settings from their sources (SIGHUP, the admin {@code reload} op) and applies
     * those that can change live; see {@link LiveConfig#reload}. No session or channel is dropped.
     *
     * @param by who asked, for the log
     * @throws IllegalArgumentException when the sources no longer make a valid config; nothing changes
     */
    public ConfigChanges reload(String by) {
        return live.reload(by);
    }

    /** The channel registry (counters, pool loads, ports in use). */
    public ChannelDirectory directory() {
        return directory;
    }

    /** How this node sees its cluster ({@code nodes}, placement); a single node without {@code --cluster}. */
    public Cluster cluster() {
        return cluster;
    }

    /** TLS of the control port (the certificate in use, reload counters), or null when it is plain TCP. */
    public ControlTls controlTls() {
        return tls;
    }

    /** The control listener (session count, close counters). */
    public ControlListener listener() {
        return listener;
    }

    /** The metrics endpoint's address, or null when metrics are off. */
    public InetSocketAddress metricsAddress() {
        return metrics == null ? null : metrics.address();
    }

    /** Whether a drain has started. */
    public boolean isDraining() {
        return draining.get();
    }

    /**
     * Starts a graceful drain and returns at once: new connections are refused, {@code create} is
     * answered {@code limit}, every session gets a {@code draining} event, and the server closes
     * when its last channel is gone or {@code --drain-timeout} has passed.
     */
    public void drain() {
        drainTimeout.compareAndSet(null, live.current().get(Settings.DRAIN_TIMEOUT));
        if (!draining.compareAndSet(false, true)) {
            return;
        }
        Duration timeout = drainTimeout.get();
        log.atInfo().addKeyValue("event", "drain_started")
                .log("draining: no new sessions or channels; stopping when channels are empty or in {}", timeout);
        closeControlSocket();
        listener.beginDrain(new ServerEvent.Draining(timeout.toMillis()));
        cluster.drainStarted();
        Thread.ofVirtual().name("chanmux-drain").start(() -> {
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                while (!directory.channels().isEmpty() && System.nanoTime() - deadline < 0) {
                    Thread.sleep(DRAIN_POLL);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.atInfo().addKeyValue("event", "drain_finished")
                    .log("drain finished with {} channels left", directory.channels().size());
            close();
        });
    }

    /** Drains, waits for the drain to finish, then makes sure everything is closed (SIGTERM). */
    public void drainAndClose() {
        drain();
        try {
            awaitTermination(drainTimeout.get().plus(CLOSE_TIMEOUT));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    /** Waits until every server thread has ended. */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /** Waits up to {@code timeout} for every server thread to end; true if they did. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Stops the server: every thread ends and every socket closes, normally within milliseconds. */
    @Override
    public void close() {
        closeControlSocket();
        root.interrupt();
        if (metrics != null) {
            metrics.close();
        }
        try {
            if (!awaitTermination(CLOSE_TIMEOUT)) {
                log.warn("server threads still running {} after close", CLOSE_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The root thread. The listener and the pools run until the server closes; if any of them ends
     * on its own (a bug, an Error), the scope is cancelled and the whole server stops, rather than
     * running on without a listener or with a pool whose queue nobody drains.
     */
    private void runRoot() {
        var threads = Thread.ofVirtual().name("chanmux-", 0).factory();
        List<StructuredTaskScope.Subtask<Object>> parts = new ArrayList<>();
        try (var scope = StructuredTaskScope.open(Joiner.allUntil(part -> true),
                cfg -> cfg.withName("chanmux").withThreadFactory(threads))) {
            parts.add(scope.fork(listener::run));
            parts.add(scope.fork(directory::run));
            if (redisCluster != null) {
                parts.add(scope.fork(redisCluster::run));
            }
            for (ChannelPool pool : directory.pools()) {
                parts.add(scope.fork(pool::run));
            }
            parts.add(scope.fork(this::logSummaries));
            scope.join();
            failedUnexpectedly = true;
            for (var part : parts) {
                if (part.state() == StructuredTaskScope.Subtask.State.FAILED) {
                    log.error("a server thread failed; stopping the server", part.exception());
                }
            }
            log.error("a server thread ended on its own; stopping the server");
        } catch (InterruptedException e) {
            log.debug("server shutting down");
        } finally {
            closeControlSocket();
            // Before the count-down: whoever waits for it may exit the process next.
            log.atInfo().addKeyValue("event", "server_stopped").log("chanmux stopped");
            terminated.countDown();
        }
    }

    /** The summary thread: one INFO line of counters per summary interval, until the server closes. */
    private void logSummaries() {
        long periodMs = live.current().get(Settings.SUMMARY_INTERVAL).toMillis();
        long[] last = directory.counterTotals();
        try {
            while (true) {
                Thread.sleep(periodMs);
                long[] now = directory.counterTotals();
                long dropped = RelayCounter.totalDrops(now) - RelayCounter.totalDrops(last);
                double seconds = periodMs / 1000.0;
                int sessions = listener.sessionCount();
                int channels = directory.channels().size();
                int peers = directory.peerCount();
                long inPerSecond = Math.round(delta(now, last, RelayCounter.DATAGRAMS_IN) / seconds);
                long forwardedPerSecond = Math.round(delta(now, last, RelayCounter.FORWARDED) / seconds);
                // The figures as fields too, so a log pipeline need not parse the message.
                log.atInfo().addKeyValue("event", "summary").addKeyValue("sessions", sessions).addKeyValue("channels", channels)
                        .addKeyValue("peers", peers).addKeyValue("in_per_second", inPerSecond)
                        .addKeyValue("forwarded_per_second", forwardedPerSecond).addKeyValue("dropped", dropped)
                        .log("summary: sessions={} channels={} peers={} in={}/s forwarded={}/s dropped={} in {}s",
                                sessions, channels, peers, inPerSecond, forwardedPerSecond, dropped,
                                Math.round(seconds));
                last = now;
            }
        } catch (InterruptedException e) {
            // the server is closing
        }
    }

    private static long delta(long[] now, long[] last, RelayCounter counter) {
        return now[counter.ordinal()] - last[counter.ordinal()];
    }

    /** Whether the server stopped because a part of it failed, not because it was closed. */
    public boolean failedUnexpectedly() {
        return failedUnexpectedly;
    }

    private void closeControlSocket() {
        try {
            controlSocket.close();
        } catch (IOException e) {
            log.warn("closing the control socket failed", e);
        }
    }
}
