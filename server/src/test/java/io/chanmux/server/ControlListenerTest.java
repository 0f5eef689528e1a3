package io.chanmux.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.chanmux.server.config.Settings;
import io.chanmux.server.control.SessionCloseReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The control listener's admission: connection limits, server-wide and per address, answered before a session starts. */
@Timeout(60)
class ControlListenerTest {

    @Test
    void shouldAnswerLimitAndCloseWhenTheServerHasItsMaximumOfConnections() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.MAX_SESSIONS, 2))) {
            TestClient first = relay.client("1");
            relay.client("2");
            try (RawControlConnection third = new RawControlConnection(relay.control())) {
                JsonNode refusal = third.readMessage();
                assertEquals("limit", refusal.path("error").asText());
                assertNull(third.readMessage());
            }
            first.close();
            await().until(() -> relay.server().listener().sessionCount() == 1);
            relay.client("3").control().ping();
            assertEquals(1, relay.server().listener().closedBy(SessionCloseReason.REJECTED));
        }
    }

    @Test
    void shouldAnswerLimitAndCloseWhenOneAddressHasItsMaximumOfConnections() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.MAX_SESSIONS_PER_ADDRESS, 2))) {
            TestClient first = relay.client("1");
            relay.client("2");
            try (RawControlConnection third = new RawControlConnection(relay.control())) {
                JsonNode refusal = third.readMessage();
                assertEquals("limit", refusal.path("error").asText());
                assertTrue(refusal.path("message").asText().contains("your address"), refusal.toString());
                assertNull(third.readMessage());
            }
            first.close();
            await().until(() -> relay.server().listener().sessionCount() == 1);
            relay.client("3").control().ping();
        }
    }
}
