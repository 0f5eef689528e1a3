package io.chanmux.server;

import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.client.ControlEvent;
import io.chanmux.protocol.client.CreateOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;

/** A control session for tests: records every event and joins peers that are already bound. */
public final class TestClient implements AutoCloseable {
    private final ChanmuxClient control;
    private final List<ControlEvent> events;

    private TestClient(ChanmuxClient control, List<ControlEvent> events) {
        this.control = control;
        this.events = events;
    }

    static TestClient connect(InetSocketAddress address, String name) {
        List<ControlEvent> events = new CopyOnWriteArrayList<>();
        try {
            ChanmuxClient client = ChanmuxClient.connect(address, events::add, Duration.ofSeconds(5));
            client.hello(name);
            return new TestClient(client, events);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ChanmuxClient control() {
        return control;
    }

    public ChannelInfo create() throws IOException {
        return control.create(CreateOptions.DEFAULTS);
    }

    /** Joins and binds. */
    public TestPeer join(String channel) throws IOException {
        TestPeer peer = new TestPeer(control.join(channel));
        peer.handle().bind(Duration.ofSeconds(5));
        return peer;
    }

    /** Every event received so far. */
    public List<ControlEvent> events() {
        return List.copyOf(events);
    }

    /** Waits for an event matching {@code match} and returns it. */
    public ControlEvent awaitEvent(String name, Predicate<ControlEvent> match) {
        Predicate<ControlEvent> wanted = e -> e.name().equals(name) && match.test(e);
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(wanted));
        return events.stream().filter(wanted).findFirst().orElseThrow();
    }

    @Override
    public void close() throws IOException {
        control.close();
    }
}
