package io.chanmux.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.HotSpotDiagnosticMXBean;
import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.client.CreateOptions;
import io.chanmux.protocol.client.PeerHandle;
import io.chanmux.server.config.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A killed client process, thousands of connect/disconnect cycles, and shutdown under load. */
@Timeout(120)
class FaultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldCleanUpAfterAClientProcessIsKilled() throws Exception {
        try (TestRelay relay = TestRelay.start()) {
            TestClient observer = relay.client("observer");
            ChannelInfo shared = observer.create();
            TestPeer observerPeer = observer.join(shared.channel());

            Process child = startChild(relay, shared.channel());
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
                String[] ready = out.readLine().split(" ");
                String childChannel = ready[0];
                long childPeer = Long.parseLong(ready[2]);
                observer.join(childChannel);
                assertEquals(2, relay.server().directory().channels().size());

                child.destroyForcibly().waitFor(); // SIGKILL: no goodbye from the client

                assertEquals("disconnected", observer.awaitEvent("peer_left", e -> e.peer() == childPeer).reason());
                assertEquals("owner_left",
                        observer.awaitEvent("channel_deleted", e -> e.channel().equals(childChannel)).reason());
                await().until(() -> relay.server().directory().portsInUse() == 1);
                assertEquals(1, relay.server().directory().peerCount());
                observerPeer.send("alone");
                assertTrue(observerPeer.nothingPending());
            } finally {
                child.destroyForcibly();
            }
        }
    }

    @Test
    void shouldReturnToBaselineAfterThousandsOfConnectDisconnectCycles() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.REQUEST_RATE, 1000))) {
            cycle(relay, 20);
            await().until(() -> relay.server().listener().sessionCount() == 0);
            long fds = openFileDescriptors();
            int threads = liveThreads();
            long heap = heapUsedAfterGc();

            int cycles = 2000;
            try (var scope = StructuredTaskScope.open(Joiner.<Void>awaitAllSuccessfulOrThrow())) {
                for (int worker = 0; worker < 4; worker++) {
                    scope.fork(() -> {
                        cycle(relay, cycles / 4);
                        return null;
                    });
                }
                scope.join();
            }

            await().atMost(Duration.ofSeconds(20)).until(() -> relay.server().listener().sessionCount() == 0
                    && relay.server().directory().channels().isEmpty()
                    && relay.server().directory().portsInUse() == 0
                    && relay.server().directory().peerCount() == 0);
            await().atMost(Duration.ofSeconds(20)).until(() -> openFileDescriptors() <= fds + 2);
            await().atMost(Duration.ofSeconds(20)).until(() -> liveThreads() <= threads + 2);
            // 2,000 cycles of sessions, channels and peers; a leak of even 10 KiB each would show.
            await().atMost(Duration.ofSeconds(20)).until(() -> heapUsedAfterGc() <= heap + 16 * 1024 * 1024);
        }
    }

    @Test
    void shouldEndEveryThreadWithinTwoSecondsWhenClosedUnderLoad() throws Exception {
        TestRelay relay = TestRelay.start(b -> b.set(Settings.PEER_RATE_PPS, 1_000_000)
                .set(Settings.PEER_RATE_BYTES, 1_000_000_000));
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicLong sent = new AtomicLong();
        List<TestPeer> senders = new ArrayList<>();
        for (int c = 0; c < 5; c++) {
            ChannelInfo channel = relay.client("owner" + c).create();
            senders.add(relay.client("sender" + c).join(channel.channel()));
            for (int p = 0; p < 3; p++) {
                relay.client("p" + c + p).join(channel.channel());
            }
        }
        // One platform thread sends round-robin as fast as it can: a virtual thread spinning on
        // non-blocking sends would starve the server's, and one thread leaves the server a core.
        Thread load = Thread.ofPlatform().start(() -> {
            byte[] payload = new byte[200];
            while (sending.get()) {
                for (TestPeer sender : senders) {
                    try {
                        sender.handle().send(payload);
                        sent.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            }
        });
        await().until(() -> sent.get() > 20_000);

        long started = System.nanoTime();
        relay.close();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        sending.set(false);
        load.join();

        assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "close took " + took);
        assertTrue(relay.server().awaitTermination(Duration.ZERO));
        // The server's threads only: the test's clients' reader threads end as they read the close, a moment later.
        List<String> leftovers = threadNames().stream()
                .filter(n -> n.startsWith("pool") || n.startsWith("session-") || n.startsWith("chanmux-"))
                .filter(n -> !n.startsWith("chanmux-client-"))
                .toList();
        assertEquals(List.of(), leftovers);
    }

    private static void cycle(TestRelay relay, int times) throws IOException {
        for (int i = 0; i < times; i++) {
            try (ChanmuxClient client = ChanmuxClient.connect(relay.control())) {
                client.hello("cycle");
                ChannelInfo channel = client.create(CreateOptions.DEFAULTS);
                try (PeerHandle peer = client.join(channel.channel())) {
                    peer.bind(Duration.ofSeconds(5));
                }
            }
        }
    }

    private static Process startChild(TestRelay relay, String channel) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "--enable-preview", "-cp", System.getProperty("java.class.path"),
                ChildClientMain.class.getName(), relay.control().getAddress().getHostAddress(),
                String.valueOf(relay.control().getPort()), channel)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    private static long heapUsedAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long openFileDescriptors() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static int liveThreads() throws IOException {
        return threadNames().size();
    }

    /** Names of every live thread, virtual ones included, from the JDK's JSON thread dump. */
    private static List<String> threadNames() throws IOException {
        File dump = File.createTempFile("threads", ".json");
        dump.delete();
        try {
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(dump.getPath(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            List<String> names = new ArrayList<>();
            for (JsonNode container : JSON.readTree(dump).path("threadDump").path("threadContainers")) {
                for (JsonNode thread : container.path("threads")) {
                    names.add(thread.path("name").asText());
                }
            }
            return names;
        } finally {
            dump.delete();
        }
    }
}
