package io.chanmux.server.control;

import io.chanmux.protocol.control.ServerEvent;
import io.chanmux.server.TestRelay;
import io.chanmux.server.config.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A writer thread that fails, to start or while it writes, costs its own connection and no one
 * else's, and never holds the connection until a timeout.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ControlWritersTest {
    /** Longer than the test's patience: a connection closed sooner was not closed by a timeout. */
    private static final Duration LONG = Duration.ofSeconds(60);

    @Test
    void shouldCloseOnlyTheConnectionWhoseWriterFailedToStartAndKeepServingTheOthers() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.WRITE_TIMEOUT, LONG).set(Settings.IDLE_TIMEOUT, LONG))) {
            ControlListener listener = relay.server().listener();
            List<Client> clients = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                clients.add(new Client(relay));
            }
            try {
                for (Client client : clients) {
                    assertTrue(client.request("{\"id\":1,\"op\":\"ping\"}").contains("\"ok\":true"));
                }
                await().until(() -> listener.writerThreads() == 0);

                listener.failNextWriterFork();
                listener.tellEverySession(new ServerEvent.Draining(1));

                List<Client> served = new ArrayList<>();
                for (Client client : clients) {
                    String line = client.readLine();
                    if (line != null) {
                        assertTrue(line.contains("\"timeoutMs\":1"), line);
                        served.add(client);
                    }
                }
                assertEquals(2, served.size(), "one connection closed, the others served");
                await().until(() -> listener.sessionCount() == 2);

                listener.tellEverySession(new ServerEvent.Draining(2));
                for (Client client : served) {
                    assertTrue(client.readLine().contains("\"timeoutMs\":2"), "the writers' owner still starts writers");
                }
                await().until(() -> listener.writerThreads() == 0);
            } finally {
                for (Client client : clients) {
                    client.close();
                }
            }
        }
    }

    @Test
    void shouldCloseTheConnectionAtOnceWhenItsWriterThreadThrows() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.WRITE_TIMEOUT, LONG).set(Settings.IDLE_TIMEOUT, LONG));
             Client client = new Client(relay)) {
            ControlListener listener = relay.server().listener();
            assertTrue(client.request("{\"id\":1,\"op\":\"ping\"}").contains("\"ok\":true"));
            await().until(() -> listener.writerThreads() == 0);

            // No reason: encoding it throws, a bug in the writer thread's hands.
            listener.tellEverySession(new ServerEvent.PeerLeft("9f2c61d0a4b3e871", 7, null));

            assertNull(client.readLine(), "closed well before the write timeout");
            await().until(() -> listener.sessionCount() == 0 && listener.writerThreads() == 0);
        }
    }

    /** A client on a plain socket, reading lines as sent. */
    private static final class Client implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;

        Client(TestRelay relay) throws IOException {
            socket = new Socket(relay.control().getAddress(), relay.control().getPort());
            socket.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        }

        String request(String line) throws IOException {
            socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            return readLine();
        }

        String readLine() throws IOException {
            return in.readLine();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
