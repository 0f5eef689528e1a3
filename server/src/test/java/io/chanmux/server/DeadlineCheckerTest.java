package io.chanmux.server;

import io.chanmux.server.config.Settings;
import io.chanmux.server.control.ControlListener;
import io.chanmux.server.control.SessionCloseReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The listener's checker looks only at sessions with a deadline running, and the threads that
 * start one, or let a session's idle timeout run, tell it so.
 */
@Timeout(60)
class DeadlineCheckerTest {
    private static final Duration SHORT = Duration.ofMillis(300);

    @Test
    void shouldLookOnlyAtSessionsWithADeadlineRunningAndCloseALineStartedLater() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.LINE_TIMEOUT, SHORT).set(Settings.IDLE_TIMEOUT, Duration.ZERO))) {
            ControlListener listener = relay.server().listener();
            TestClient owner = relay.client("owner");
            String channel = owner.create().channel();
            relay.client("member").join(channel);
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.sessionsWithDeadlines() == 0);

            try (RawControlConnection stalled = new RawControlConnection(relay.control())) {
                assertTrue(stalled.request("{\"id\":1,\"op\":\"ping\"}").path("ok").asBoolean());
                // Answered, its next line not begun: nothing to look at again.
                await().atMost(Duration.ofSeconds(5)).until(() -> listener.sessionsWithDeadlines() == 0);
                stalled.send("{\"id\":2,\"op\":\"pi".getBytes(StandardCharsets.UTF_8));

                await().atMost(Duration.ofSeconds(5)).until(() -> listener.closedBy(SessionCloseReason.LINE_TIMEOUT) == 1);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.sessionCount() == 2 && listener.sessionsWithDeadlines() == 0);
            owner.control().ping();
        }
    }

    @Test
    void shouldLetGoOfASessionWhoseClientLeftInTheMiddleOfALineLongBeforeItsTimeout() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.LINE_TIMEOUT, Duration.ofSeconds(30))
                .set(Settings.IDLE_TIMEOUT, Duration.ZERO))) {
            ControlListener listener = relay.server().listener();
            try (RawControlConnection leaving = new RawControlConnection(relay.control())) {
                leaving.send("{\"id\":1,\"op\":\"pi".getBytes(StandardCharsets.UTF_8));
                await().atMost(Duration.ofSeconds(5)).until(() -> listener.sessionsWithDeadlines() == 1);
            }
            // Its end told the checker: it does not wait in the wheel for its line's 30 s.
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.sessionCount() == 0 && listener.sessionsWithDeadlines() == 0);
            assertEquals(0, listener.closedBy(SessionCloseReason.LINE_TIMEOUT));
        }
    }

    @Test
    void shouldCloseByTheIdleTimeoutAMemberWhoseChannelWasDeletedUnderIt() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.IDLE_TIMEOUT, SHORT))) {
            ControlListener listener = relay.server().listener();
            TestClient owner = relay.client("owner");
            String channel = owner.create().channel();
            TestClient member = relay.client("member");
            member.join(channel);
            // Both hold the channel: no idle timeout runs, and the checker looks at neither.
            await().during(SHORT.multipliedBy(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> listener.sessionsWithDeadlines() == 0 && listener.closedBy(SessionCloseReason.IDLE_TIMEOUT) == 0);

            owner.control().delete(channel);

            // The member's last request is older than the timeout: losing its membership (the pool
            // thread, and the write of its owner_left event) told the checker, which closes it. The
            // owner goes a timeout after its delete.
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.closedBy(SessionCloseReason.IDLE_TIMEOUT) == 2);
            assertThrows(IOException.class, () -> member.control().ping());
            // Ended, they leave the checker's wheel too.
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.sessionCount() == 0 && listener.sessionsWithDeadlines() == 0);
        }
    }
}
