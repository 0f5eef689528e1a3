package io.chanmux.server;

import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.server.base.NanoClock;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.config.ConfigReading;
import io.chanmux.server.config.LiveConfig;
import io.chanmux.server.config.PortRange;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/** A real server on loopback for one test: control port 0, a UDP range of its own. */
public final class TestRelay implements AutoCloseable {
    /** UDP range for test servers; a test that needs a tiny range narrows it. */
    public static final int UDP_LOW = 41_000;
    public static final int UDP_HIGH = 41_999;

    private final ChanmuxServer server;

    private TestRelay(ChanmuxServer server) {
        this.server = server;
    }

    public static TestRelay start() {
        return start(b -> b);
    }

    public static TestRelay start(UnaryOperator<ServerConfig.Builder> customize) {
        return start(customize, NanoClock.SYSTEM);
    }

    /** A server whose clock the test controls (e.g. the system clock plus an offset it moves). */
    public static TestRelay start(UnaryOperator<ServerConfig.Builder> customize, NanoClock clock) {
        return start(LiveConfig.fixed(config(customize)), clock);
    }

    /**
     * A server that starts with what {@code sources} holds, and whose reload (admin {@code reload})
     * reads it again: a test changes it, then asks for the reload.
     */
    public static TestRelay start(AtomicReference<ServerConfig> sources) {
        return start(new LiveConfig(sources.get(), () -> ConfigReading.of(sources.get())), NanoClock.SYSTEM);
    }

    /** The settings {@link #start} uses, as {@code customize} changes them. */
    public static ServerConfig config(UnaryOperator<ServerConfig.Builder> customize) {
        ServerConfig.Builder builder = ServerConfig.builder()
                .set(Settings.BIND, InetAddress.getLoopbackAddress())
                .set(Settings.CONTROL_PORT, 0)
                .set(Settings.UDP_PORTS, new PortRange(UDP_LOW, UDP_HIGH))
                .set(Settings.POOLS, 2)
                .set(Settings.METRICS_PORT, -1);
        return customize.apply(builder).build();
    }

    private static TestRelay start(LiveConfig live, NanoClock clock) {
        try {
            return new TestRelay(ChanmuxServer.start(live, clock));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ChanmuxServer server() {
        return server;
    }

    public InetSocketAddress control() {
        return server.controlAddress();
    }

    /** A connected client that has said hello and records its events. */
    public TestClient client(String name) {
        return TestClient.connect(control(), name);
    }

    /** A bare client with no hello, no event recording. */
    public ChanmuxClient rawClient() throws IOException {
        return ChanmuxClient.connect(control(), e -> { }, Duration.ofSeconds(5));
    }

    /** A server-wide relay counter, summed over live and deleted channels. */
    public long counter(RelayCounter counter) {
        return server.directory().counterTotals()[counter.ordinal()];
    }

    /**
     * Waits until {@code counter} reaches {@code expected} and stays there: a channel thread
     * counts a forwarded copy or an answer just after sending it, so a receiver can be faster.
     */
    public void awaitCounter(RelayCounter counter, long expected) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> counter(counter) >= expected);
        org.junit.jupiter.api.Assertions.assertEquals(expected, counter(counter), counter.wireName());
    }

    @Override
    public void close() {
        server.close();
    }
}
