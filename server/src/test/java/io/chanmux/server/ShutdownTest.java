package io.chanmux.server;

import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.server.config.Settings;
import io.chanmux.server.config.UdpEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class ShutdownTest {

    @ParameterizedTest(name = "{0}, shared port: {1}")
    @CsvSource({"VIRTUAL_THREADS, false", "VIRTUAL_THREADS, true", "POLL_LOOP, false", "POLL_LOOP, true"})
    void shouldEndEveryThreadAndCloseEverySocketWithinTwoSecondsWhenClosedWithTraffic(UdpEngine engine,
                                                                                      boolean sharedPort) throws Exception {
        TestRelay relay = TestRelay.start(b -> (sharedPort ? b.set(Settings.UDP_PORT, 0) : b).set(Settings.UDP_ENGINE, engine));
        InetSocketAddress control = relay.control();
        List<Integer> ports = new ArrayList<>();
        List<TestClient> clients = new ArrayList<>();
        for (int c = 0; c < 5; c++) {
            TestClient owner = relay.client("owner" + c);
            clients.add(owner);
            ChannelInfo channel = owner.create();
            ports.add(channel.port());
            for (int p = 0; p < 3; p++) {
                TestClient member = relay.client("m" + c + p);
                clients.add(member);
                member.join(channel.channel()).send("hi");
            }
        }

        long started = System.nanoTime();
        relay.close();
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "close took " + took);
        assertTrue(relay.server().awaitTermination(Duration.ZERO), "server threads still running");
        assertThrows(ConnectException.class, () -> new Socket(control.getAddress(), control.getPort()).close());
        for (int port : ports) {
            assertDoesNotThrow(() -> DatagramChannel.open().bind(new InetSocketAddress(control.getAddress(), port))
                    .close(), "port " + port + " still bound");
        }
        for (TestClient client : clients) {
            await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).until(() -> !client.control().isOpen());
        }
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("pool") && t.isAlive()));
    }

    @Test
    void shouldFailClearlyWhenTheControlPortIsTaken() {
        try (TestRelay first = TestRelay.start()) {
            int port = first.control().getPort();
            UncheckedIOException failure = assertThrows(UncheckedIOException.class,
                    () -> TestRelay.start(b -> b.set(Settings.CONTROL_PORT, port)));
            assertTrue(failure.getCause().getMessage().contains("control port"), failure.getCause().getMessage());
        }
    }
}
