package io.chanmux.loadtest.probe;

import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ClientTls;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One control session that asks the server for its {@code stats}: on demand at the run's
 * boundaries ({@link #trySnapshot}), and once a second in the background ({@link #startPolling})
 * for the progress line's relay-input rate. Polling runs on its own thread and keeps only the
 * latest answer with the time it arrived, so a saturated server that answers late makes the
 * rate coarser but never delays a progress line.
 *
 * <p>Thread-safe: {@link ChanmuxClient} matches concurrent requests to their replies, and the
 * latest poll result is published through a volatile field.
 */
public final class RelayStats implements AutoCloseable {
    private final ChanmuxClient client;
    private volatile TimedSnapshot latest;
    private volatile Thread poller;

    /**
     * A snapshot and when its reply arrived.
     *
     * @param atNs     {@code System.nanoTime()} when the reply arrived
     * @param snapshot the counters
     */
    public record TimedSnapshot(long atNs, RelayStatsSnapshot snapshot) {
    }

    private RelayStats(ChanmuxClient client) {
        this.client = client;
    }

    /**
     * Opens the session.
     *
     * @param tls          how to check a TLS control port, or null for plain TCP
     * @param replyTimeout how long one {@code stats} request may take
     */
    public static RelayStats connect(InetSocketAddress control, ClientTls tls, Duration replyTimeout)
            throws IOException {
        ChanmuxClient client = ChanmuxClient.connect(control, tls, event -> { }, replyTimeout);
        try {
            client.hello("chanmux-loadtest stats");
            return new RelayStats(client);
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * The control session itself, so the run can let it do one more job (own a channel) instead
     * of opening another connection. Requests from other threads are safe: replies are matched by id.
     */
    public ChanmuxClient session() {
        return client;
    }

    /** The server's counters now. */
    public RelayStatsSnapshot snapshot() throws IOException {
        return RelayStatsSnapshot.fromReply(client.stats());
    }

    /** The server's counters now, or null when the request failed or timed out. */
    public RelayStatsSnapshot trySnapshot() {
        try {
            return snapshot();
        } catch (IOException e) {
            return null;
        }
    }

    /** Starts asking every {@code interval} on a daemon thread, until {@link #close}. */
    public void startPolling(Duration interval) {
        Thread thread = Thread.ofPlatform().daemon().name("loadtest-stats-poller").unstarted(() -> poll(interval));
        poller = thread;
        thread.start();
    }

    /** The latest polled answer, or null before the first. */
    public TimedSnapshot latest() {
        return latest;
    }

    private void poll(Duration interval) {
        try {
            while (client.isOpen()) {
                RelayStatsSnapshot snapshot = trySnapshot();
                if (snapshot != null) {
                    latest = new TimedSnapshot(System.nanoTime(), snapshot);
                }
                TimeUnit.NANOSECONDS.sleep(interval.toNanos());
            }
        } catch (InterruptedException e) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        Thread thread = poller;
        if (thread != null) {
            thread.interrupt();
        }
        client.close();
    }
}
