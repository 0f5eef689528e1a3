package io.chanmux.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.chanmux.protocol.control.ServerEvent;
import io.chanmux.server.control.ControlListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How a session's output leaves: its own thread writes the replies to its requests, and events
 * that arrive while it waits for a request are written by a writer thread started for them,
 * which ends once they are out; either way, lines leave in the order they were queued.
 */
@Timeout(60)
class SessionOutputTest {
    private static final int EVENTS = 500; // 500 × 256 B charged: within an outbox's essential headroom

    @Test
    void shouldDeliverAnEventQueuedWhileTheSessionWaitsForARequest() throws Exception {
        try (TestRelay relay = TestRelay.start();
             RawControlConnection session = new RawControlConnection(relay.control())) {
            ControlListener listener = relay.server().listener();
            assertEquals(1, session.request("{\"id\":1,\"op\":\"ping\"}").path("id").asInt());
            await().until(() -> listener.writerThreads() == 0);

            listener.beginDrain(new ServerEvent.Draining(1234));

            JsonNode event = session.readMessage();
            assertEquals("draining", event.path("event").asText());
            assertEquals(1234, event.path("timeoutMs").asLong());
            await().until(() -> listener.writerThreads() == 0);
            assertEquals(2, session.request("{\"id\":2,\"op\":\"ping\"}").path("id").asInt(), "the session goes on");
        }
    }

    @Test
    void shouldKeepTheOrderOfEventsAndRepliesAndLeaveNoWriterRunning() throws Exception {
        try (TestRelay relay = TestRelay.start();
             RawControlConnection first = new RawControlConnection(relay.control());
             RawControlConnection second = new RawControlConnection(relay.control())) {
            ControlListener listener = relay.server().listener();
            first.request("{\"id\":0,\"op\":\"ping\"}");
            second.request("{\"id\":0,\"op\":\"ping\"}");

            // Events from a pool-like thread while the first session's own thread answers pings.
            CompletableFuture<Void> events = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < EVENTS; i++) {
                    listener.beginDrain(new ServerEvent.Draining(i));
                }
            });
            for (int id = 1; id <= EVENTS; id++) {
                first.sendLine("{\"id\":" + id + ",\"op\":\"ping\"}");
            }
            events.join();

            List<Long> eventsSeen = new ArrayList<>();
            List<Integer> repliesSeen = new ArrayList<>();
            while (eventsSeen.size() < EVENTS || repliesSeen.size() < EVENTS) {
                JsonNode line = first.readMessage();
                if (line.has("event")) {
                    eventsSeen.add(line.path("timeoutMs").asLong());
                } else {
                    repliesSeen.add(line.path("id").asInt());
                }
            }
            for (int i = 0; i < EVENTS; i++) {
                assertEquals(i, eventsSeen.get(i), "events in the order queued");
                assertEquals(i + 1, repliesSeen.get(i), "replies in the order of requests");
            }
            for (int i = 0; i < EVENTS; i++) {
                assertEquals(i, second.readMessage().path("timeoutMs").asLong(), "an idle session's events, in order");
            }
            await().until(() -> listener.writerThreads() == 0);
            assertEquals(EVENTS + 1, first.request("{\"id\":" + (EVENTS + 1) + ",\"op\":\"ping\"}").path("id").asInt());
        }
    }
}
