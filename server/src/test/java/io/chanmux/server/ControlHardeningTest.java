package io.chanmux.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.chanmux.protocol.client.ChanmuxException;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.ServerEvent;
import io.chanmux.server.config.Settings;
import io.chanmux.server.control.ControlListener;
import io.chanmux.server.control.SessionCloseReason;
import io.chanmux.server.control.SharedSecret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every control-plane limit, hit on purpose: the offender gets a clear answer, nobody else notices. */
@Timeout(60)
class ControlHardeningTest {
    private static final Duration SHORT = Duration.ofMillis(300);
    /** 200,000 events queued at once (40 bytes charged each): more than loopback's socket buffers ever take in. */
    private static final long BACKED_UP = 8 << 20;

    @Test
    void shouldCloseAConnectionThatSendsNoLineWithinTheLineTimeout() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.LINE_TIMEOUT, SHORT));
             RawControlConnection silent = new RawControlConnection(relay.control())) {
            assertNull(silent.readMessage(), "the silent connection was kept");
            assertEquals(1, relay.server().listener().closedBy(SessionCloseReason.LINE_TIMEOUT));
        }
    }

    @Test
    void shouldKeepAJavaClientThatWaitsLongBeforeItsFirstRequest() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.LINE_TIMEOUT, SHORT));
             var client = relay.rawClient();
             RawControlConnection silent = new RawControlConnection(relay.control())) {
            // The silent connection opened after the client; once it is closed, the client has
            // been quiet longer than the line timeout.
            assertNull(silent.readMessage());

            client.ping();
            assertEquals(1, relay.server().listener().closedBy(SessionCloseReason.LINE_TIMEOUT));
        }
    }

    @Test
    void shouldCloseASlowlorisWhoseLineNeverEndsWhileKeepingAnIdleSession() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.LINE_TIMEOUT, SHORT));
             RawControlConnection idle = new RawControlConnection(relay.control());
             RawControlConnection slowloris = new RawControlConnection(relay.control())) {
            assertTrue(idle.request("{\"id\":1,\"op\":\"hello\"}").path("ok").asBoolean());
            slowloris.send("{\"id\":1,\"op\":\"pi".getBytes(StandardCharsets.UTF_8));

            // One more byte per poll: bytes keep coming, but the line never ends.
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
                try {
                    slowloris.send(new byte[] {'n'});
                    return false;
                } catch (IOException closed) {
                    return true;
                }
            });

            assertEquals(1, relay.server().listener().closedBy(SessionCloseReason.LINE_TIMEOUT));
            // The idle session has been silent longer than the slowloris lived, and is still served.
            assertTrue(idle.request("{\"id\":2,\"op\":\"ping\"}").path("ok").asBoolean());
        }
    }

    @Test
    void shouldCloseAClientThatNeverReadsWithoutSlowingOthers() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.WRITE_TIMEOUT, SHORT).set(Settings.REQUEST_RATE, 10_000)
                .set(Settings.MAX_CHANNELS_PER_SESSION, 200));
             RawControlConnection deaf = new RawControlConnection(relay.control());
             TestClient bystander = relay.client("bystander")) {
            for (int i = 0; i < 200; i++) {
                bystander.control().create(new io.chanmux.protocol.client.CreateOptions("x".repeat(60), 0, null));
            }
            // Each list reply is ~20 KB; the deaf client reads none of them.
            byte[] list = "{\"op\":\"list\"}\n".repeat(200).getBytes(StandardCharsets.UTF_8);
            deaf.send(list);

            await().atMost(Duration.ofSeconds(10)).until(() ->
                    relay.server().listener().closedBy(SessionCloseReason.WRITE_TIMEOUT)
                            + relay.server().listener().closedBy(SessionCloseReason.OUTBOUND_OVERFLOW) == 1);
            bystander.control().ping();
            // The close is counted before the session leaves the listener's table.
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.server().listener().sessionCount() == 1);
        }
    }

    @Test
    void shouldDeliverEventsToOthersPromptlyWhileAClientThatNeverReadsHasItsWriterStuck() throws Exception {
        // An outbox that holds more than the kernel's socket buffers, so the deaf client's writer fills them.
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.WRITE_TIMEOUT, Duration.ofSeconds(30))
                .set(Settings.SESSION_OUTBOUND_BYTES, 16 << 20))) {
            ControlListener listener = relay.server().listener();
            Socket deafSocket = new Socket();
            deafSocket.setReceiveBufferSize(1024); // a small window: the server's send buffer does not grow much
            deafSocket.connect(relay.control());
            try (RawControlConnection deaf = new RawControlConnection(deafSocket)) {
                assertTrue(deaf.request("{\"id\":1,\"op\":\"ping\"}").path("ok").asBoolean());
                // Events until its outbox backs up well past what socket buffers take: its writer is stuck in a write.
                long events = 0;
                while (listener.largestOutboxBytes() < BACKED_UP && events < 1_000_000) {
                    listener.beginDrain(new ServerEvent.Draining(events++));
                }
                assertTrue(listener.largestOutboxBytes() >= BACKED_UP, "the deaf client's outbox never backed up");

                try (RawControlConnection bystander = new RawControlConnection(relay.control())) {
                    assertTrue(bystander.request("{\"id\":1,\"op\":\"ping\"}").path("ok").asBoolean());
                    for (int i = 0; i < 100; i++) {
                        listener.beginDrain(new ServerEvent.Draining(i));
                    }
                    for (int i = 0; i < 100; i++) {
                        assertEquals(i, bystander.readMessage().path("timeoutMs").asLong(), "the bystander's events, in order");
                    }
                    // The bystander's writer has ended; the deaf client's may still be stuck (or, on a
                    // slow run, may have pushed its last bytes into the kernel's buffers and ended).
                    await().until(() -> listener.writerThreads() <= 1);
                    assertEquals(2, listener.sessionCount(), "the deaf client is still connected: nobody timed out");
                }
            }
        }
    }

    @Test
    void shouldAnswerLimitWhenASessionOrTheServerHasTooManyChannels() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.MAX_CHANNELS_PER_SESSION, 2).set(Settings.MAX_CHANNELS, 3))) {
            TestClient alice = relay.client("alice");
            alice.create();
            alice.create();
            assertEquals(ErrorCode.LIMIT, assertThrows(ChanmuxException.class, alice::create).error());

            TestClient bob = relay.client("bob");
            bob.create();
            assertEquals(ErrorCode.LIMIT, assertThrows(ChanmuxException.class, bob::create).error());

            alice.close();
            await().until(() -> relay.server().directory().channels().size() == 1);
            bob.create();
        }
    }

    @Test
    void shouldAnswerLimitWhenASessionJoinsMoreChannelsThanItMayAndServeItAgainAfterALeave() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.MAX_JOINS_PER_SESSION, 2))) {
            TestClient owner = relay.client("owner");
            String first = owner.create().channel();
            String second = owner.create().channel();
            String third = owner.create().channel();
            TestClient joiner = relay.client("joiner");
            joiner.control().join(first);
            joiner.control().join(second);

            ChanmuxException refused = assertThrows(ChanmuxException.class, () -> joiner.control().join(third));
            assertEquals(ErrorCode.LIMIT, refused.error());
            joiner.control().leave(first);
            joiner.control().join(third);
        }
    }

    @Test
    void shouldCloseASessionThatHoldsNothingAfterTheIdleTimeoutButKeepOwnersAndMembers() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.IDLE_TIMEOUT, SHORT))) {
            TestClient idle = relay.client("idle");
            TestClient owner = relay.client("owner");
            String channel = owner.create().channel();
            TestClient member = relay.client("member");
            member.control().join(channel);

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> relay.server().listener().closedBy(SessionCloseReason.IDLE_TIMEOUT) == 1);
            assertThrows(IOException.class, () -> idle.control().ping());
            await().during(SHORT.multipliedBy(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> relay.server().listener().closedBy(SessionCloseReason.IDLE_TIMEOUT) == 1);
            owner.control().ping();
            member.control().ping();
        }
    }

    @Test
    void shouldAnswerLimitWhenASessionSendsTooFastAndServeItAgainLater() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.REQUEST_RATE, 5));
             RawControlConnection eager = new RawControlConnection(relay.control())) {
            eager.send("{\"op\":\"ping\"}\n".repeat(30).getBytes(StandardCharsets.UTF_8));
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                JsonNode reply = eager.readMessage();
                answers.add(reply.path("ok").asBoolean() ? "ok" : reply.path("error").asText());
            }

            assertTrue(answers.stream().filter("ok"::equals).count() >= 10, answers.toString());
            assertTrue(answers.contains("limit"), answers.toString());
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(250))
                    .until(() -> eager.request("{\"op\":\"ping\"}").path("ok").asBoolean());
        }
    }

    @Test
    void shouldStayUnauthenticatedWhenHelloHasTheRightSecretButAWrongAdminSecret() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.SECRET, "s3cret").set(Settings.ADMIN_SECRET, "root"));
             RawControlConnection conn = new RawControlConnection(relay.control())) {
            assertEquals("unauthorized", conn.request(
                    "{\"id\":1,\"op\":\"hello\",\"auth\":\"s3cret\",\"admin\":\"guess\"}").path("error").asText());
            assertEquals("unauthorized", conn.request("{\"id\":2,\"op\":\"list\"}").path("error").asText(),
                    "a refused hello changes nothing");
        }
    }

    @Test
    void shouldAnswerUnauthorizedUntilHelloCarriesTheSecretOrAValidCredential() throws Exception {
        SharedSecret secret = new SharedSecret("s3cret");
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.SECRET, "s3cret"));
             RawControlConnection conn = new RawControlConnection(relay.control())) {
            assertEquals("unauthorized", conn.request("{\"id\":1,\"op\":\"list\"}").path("error").asText());
            assertEquals("unauthorized", conn.request("{\"id\":2,\"op\":\"ping\"}").path("error").asText());
            assertEquals("unauthorized",
                    conn.request("{\"id\":3,\"op\":\"hello\",\"auth\":\"guess\"}").path("error").asText());
            assertTrue(conn.request("{\"id\":4,\"op\":\"hello\",\"auth\":\"s3cret\"}").path("ok").asBoolean());
            assertTrue(conn.request("{\"id\":5,\"op\":\"list\"}").path("ok").asBoolean());

            long future = System.currentTimeMillis() / 1000 + 60;
            assertTrue(helloWith(relay, "app:" + future, secret.sign("app:" + future)).path("ok").asBoolean());
            long past = System.currentTimeMillis() / 1000 - 1;
            assertEquals("unauthorized", helloWith(relay, "app:" + past, secret.sign("app:" + past))
                    .path("error").asText());
            assertEquals("unauthorized", helloWith(relay, "app:" + future, secret.sign("other:" + future))
                    .path("error").asText());
        }
    }

    private static JsonNode helloWith(TestRelay relay, String user, String auth) throws IOException {
        try (RawControlConnection conn = new RawControlConnection(relay.control())) {
            var hello = ControlCodec.object().put("id", 1).put("op", "hello").put("user", user).put("auth", auth);
            return conn.request(new String(ControlCodec.encodeLine(hello), StandardCharsets.UTF_8).trim());
        }
    }

    @Test
    void shouldIgnoreUnknownFieldsInARequest() throws Exception {
        try (TestRelay relay = TestRelay.start();
             RawControlConnection conn = new RawControlConnection(relay.control())) {
            JsonNode reply = conn.request("{\"id\":1,\"op\":\"create\",\"color\":\"blue\",\"nested\":{\"a\":[1]}}");
            assertTrue(reply.path("ok").asBoolean(), reply.toString());
        }
    }
}
