package io.chanmux.server;

import io.chanmux.server.control.ControlListener;
import io.chanmux.server.pool.ChannelDirectory;
import io.chanmux.server.pool.ChannelPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.TimeUnit;

/**
 * A running chanmux server: the control listener and the channel pools, each on its own virtual
 * thread, forked in one root {@link StructuredTaskScope} that a root thread owns. Nested scopes
 * hang below it: the listener's (one thread per session) and each pool's (one thread per channel,
 * plus the keepalive ticker).
 *
 * <p>{@link #close} is structured cancellation: it closes the control socket and interrupts the
 * root thread, whose scope then cancels the listener and the pools; they close their sessions'
 * and channels' sockets, and every thread ends. Thread-safe.
 */
public final class ChanmuxServer implements AutoCloseable {
    /** The version from the build, as {@code hello} reports it. */
    public static final String VERSION = readVersion();

    private static final Logger log = LoggerFactory.getLogger(ChanmuxServer.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

    private final ServerConfig config;
    private final ServerSocketChannel controlSocket;
    private final ChannelDirectory directory;
    private final ControlListener listener;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final Thread root;

    private ChanmuxServer(ServerConfig config, NanoClock clock) throws IOException {
        this.config = config;
        this.directory = new ChannelDirectory(config, clock);
        this.controlSocket = ServerSocketChannel.open();
        try {
            controlSocket.bind(new InetSocketAddress(config.bindAddress(), config.controlPort()), 4096);
        } catch (IOException e) {
            controlSocket.close();
            throw new IOException("cannot bind the control port " + config.bindAddress().getHostAddress() + ":"
                    + config.controlPort() + ": " + e.getMessage(), e);
        }
        this.listener = new ControlListener(controlSocket, config, directory, clock);
        this.root = Thread.ofVirtual().name("chanmux-root").unstarted(this::runRoot);
    }

    /** Binds the control port and starts every thread. */
    public static ChanmuxServer start(ServerConfig config) throws IOException {
        return start(config, NanoClock.SYSTEM);
    }

    /** Starts with an injected clock (tests). */
    public static ChanmuxServer start(ServerConfig config, NanoClock clock) throws IOException {
        ChanmuxServer server = new ChanmuxServer(config.validate(), clock);
        server.root.start();
        log.info("chanmux {} listening on control {} with {} pools, UDP ports {}-{}", VERSION,
                server.controlAddress(), config.pools(), config.udpPortLow(), config.udpPortHigh());
        return server;
    }

    /** The bound control address (with the real port when the config asked for port 0). */
    public InetSocketAddress controlAddress() {
        try {
            return (InetSocketAddress) controlSocket.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The settings the server runs with. */
    public ServerConfig config() {
        return config;
    }

    /** The channel registry (counters, pool loads, ports in use). */
    public ChannelDirectory directory() {
        return directory;
    }

    /** The control listener (session count, close counters). */
    public ControlListener listener() {
        return listener;
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
        try {
            controlSocket.close();
        } catch (IOException e) {
            log.warn("closing the control socket failed", e);
        }
        root.interrupt();
        try {
            if (!awaitTermination(CLOSE_TIMEOUT)) {
                log.warn("server threads still running {} after close", CLOSE_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void runRoot() {
        var threads = Thread.ofVirtual().name("chanmux-", 0).factory();
        try (var scope = StructuredTaskScope.open(Joiner.awaitAll(),
                cfg -> cfg.withName("chanmux").withThreadFactory(threads))) {
            scope.fork(listener::run);
            for (ChannelPool pool : directory.pools()) {
                scope.fork(pool::run);
            }
            scope.join();
        } catch (InterruptedException e) {
            log.debug("server shutting down");
        } finally {
            terminated.countDown();
            log.info("chanmux stopped");
        }
    }

    private static String readVersion() {
        try (InputStream in = ChanmuxServer.class.getResourceAsStream("/chanmux-version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
