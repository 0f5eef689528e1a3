package io.chanmux.server;

import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.client.CreateOptions;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.config.Settings;
import io.chanmux.server.config.UdpEngine;
import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the poll-loop engine promises beyond relaying as the default engine does (the relay tests
 * run under both): one platform thread per pool serves every channel socket, and the pool's socket
 * of the shared port, and a flooded channel starves neither its pool's other channels nor the
 * control plane.
 */
@Timeout(60)
class PollLoopTest {

    @Test
    void shouldServeEveryChannelFromOnePlatformThreadPerPoolWhenThePollLoopIsChosen() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, UdpEngine.POLL_LOOP).set(Settings.POOLS, 2))) {
            TestClient owner = relay.client("owner");
            for (int i = 0; i < 4; i++) {
                String channel = owner.create().channel();
                TestPeer a = relay.client("a" + i).join(channel);
                TestPeer b = relay.client("b" + i).join(channel);
                a.send("hello-" + i);
                assertEquals("hello-" + i, b.receivePayload());
            }

            assertEquals(Set.of("pool0-poll", "pool1-poll"), pollThreads());
        }
    }

    @Test
    void shouldServeTheSharedPortFromThePollThreadsAndNoSocketThreadWhenThePollLoopIsChosen(@TempDir Path dumps)
            throws Exception {
        // Counted against the JVM's threads before the relay starts, in case an earlier test left one.
        long before = threadsInRelayPortRun(dumps.resolve("before.txt"));
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, UdpEngine.POLL_LOOP).set(Settings.POOLS, 2)
                .set(Settings.UDP_PORT, 0))) {
            relayBetweenTwoPeers(relay);

            // Each pool starts its loop on its own thread: the pool the peers did not use may still be starting it.
            await().atMost(Duration.ofSeconds(5)).until(() -> pollThreads().equals(Set.of("pool0-poll", "pool1-poll")));
            assertEquals(before, threadsInRelayPortRun(dumps.resolve("poll-loop.txt")));
        }
        // The dump lists virtual threads: with the default engine, each socket of the port has one there.
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.POOLS, 2).set(Settings.UDP_PORT, 0))) {
            relayBetweenTwoPeers(relay);

            assertTrue(threadsInRelayPortRun(dumps.resolve("virtual-threads.txt")) > before);
        }
    }

    @Test
    void shouldStartNoPollThreadWhenTheDefaultEngineRuns() throws Exception {
        try (TestRelay relay = TestRelay.start()) {
            relayBetweenTwoPeers(relay);

            assertEquals(Set.of(), pollThreads());
        }
    }

    @Test
    void shouldAnswerControlRequestsAndRelayOtherChannelsWhileOneChannelIsFlooded() throws Exception {
        // The largest busy-poll share, so that the flooded loop is likely to poll while it serves the requests.
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, UdpEngine.POLL_LOOP).set(Settings.POOLS, 1)
                .set(Settings.PEER_RATE_PPS, 10_000_000).set(Settings.PEER_RATE_BYTES, 2_000_000_000)
                .set(Settings.REQUEST_RATE, 100_000).set(Settings.POLL_LOOP_BUSY_POLL, 50))) {
            TestClient owner = relay.client("owner");
            String flooded = owner.create().channel();
            TestPeer flooder = relay.client("flooder").join(flooded);
            relay.client("sink").join(flooded); // never reads: its copies pile up and are dropped
            String quiet = owner.create().channel();
            TestPeer alice = relay.client("alice").join(quiet);
            TestPeer bob = relay.client("bob").join(quiet);

            AtomicBoolean flooding = new AtomicBoolean(true);
            AtomicLong sent = new AtomicLong();
            Thread flood = Thread.ofPlatform().daemon().start(() -> {
                byte[] payload = new byte[100];
                try {
                    while (flooding.get()) {
                        flooder.handle().send(payload);
                        sent.incrementAndGet();
                    }
                } catch (IOException e) {
                    // the socket closed: the flood is over
                }
            });
            try (ChanmuxClient worker = relay.rawClient()) {
                await().until(() -> relay.counter(RelayCounter.DATAGRAMS_IN) > 5_000);
                long floodedBefore = relay.counter(RelayCounter.DATAGRAMS_IN);
                long started = System.nanoTime();
                for (int i = 0; i < 50; i++) {
                    ChannelInfo channel = worker.create(CreateOptions.DEFAULTS);
                    worker.join(channel.channel()).leave();
                    worker.delete(channel.channel());
                    alice.send("quiet-" + i);
                    assertEquals("quiet-" + i, bob.receivePayload());
                }
                // A socket drained until empty on each turn would hold the loop for as long as the
                // flood outpaces it: these rounds then take tens of seconds instead of about one.
                Duration took = Duration.ofNanos(System.nanoTime() - started);
                assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "50 rounds took " + took);
                assertTrue(relay.counter(RelayCounter.DATAGRAMS_IN) - floodedBefore > 1_000,
                        "the flood stalled while the requests were answered");
            } finally {
                flooding.set(false);
                flood.join();
            }
            assertTrue(sent.get() > 10_000, "only " + sent.get() + " datagrams were sent");
        }
    }

    @Test
    void shouldAllocateNothingPerDatagramOnThePollThreadWhenTheSocketsDescriptorIsAbove127() throws Exception {
        // The JDK's epoll selector boxes the descriptor of each ready socket: above 127 that is a new
        // Integer per ready socket per select, unless the Integer cache reaches it. The launcher, and
        // this test's JVM, set -XX:AutoBoxCacheMax for that (without it this test fails).
        assertSame(Integer.valueOf(65_535), Integer.valueOf(65_535), "this test needs -XX:AutoBoxCacheMax=65535, as the launcher sets it");
        List<DatagramChannel> fillers = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                fillers.add(DatagramChannel.open());
            }
            // Descriptors are handed out lowest first: the relay's sockets, opened after these, come above them.
            assertTrue(descriptor(fillers.getLast()) > 127, "the descriptors are still low");
            try (TestRelay relay = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, UdpEngine.POLL_LOOP).set(Settings.POOLS, 1)
                    .set(Settings.PEER_RATE_PPS, 10_000_000).set(Settings.PEER_RATE_BYTES, 2_000_000_000))) {
                String channel = relay.client("owner").create().channel();
                TestPeer a = relay.client("a").join(channel);
                TestPeer b = relay.client("b").join(channel);
                long pollThread = livePollThreads().getFirst().threadId();

                // One datagram at a time, each waking the loop: a select, a receive and a send per datagram.
                // Until the JIT has compiled the path, the loop allocates as it runs interpreted.
                await().atMost(Duration.ofSeconds(35)).pollInterval(Duration.ZERO)
                        .until(() -> bytesPerDatagram(pollThread, a, b), lessThan(1.0));
            }
        } finally {
            for (DatagramChannel filler : fillers) {
                filler.close();
            }
        }
    }

    /** What the poll thread allocates per datagram while {@code from} sends, one by one, what {@code to} receives. */
    private static double bytesPerDatagram(long pollThread, TestPeer from, TestPeer to) throws IOException {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        byte[] payload = new byte[32];
        int datagrams = 10_000;
        long before = threads.getThreadAllocatedBytes(pollThread);
        for (int i = 0; i < datagrams; i++) {
            from.handle().send(payload);
            to.receive(Duration.ofSeconds(5));
        }
        return (double) (threads.getThreadAllocatedBytes(pollThread) - before) / datagrams;
    }

    private static int descriptor(DatagramChannel socket) throws ReflectiveOperationException {
        return (int) Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal").invoke(socket);
    }

    private static void relayBetweenTwoPeers(TestRelay relay) throws Exception {
        String channel = relay.client("owner").create().channel();
        TestPeer a = relay.client("a").join(channel);
        TestPeer b = relay.client("b").join(channel);
        a.send("hello");
        assertEquals("hello", b.receivePayload());
    }

    /**
     * How many threads, virtual ones included, are in a socket thread's blocking receive loop
     * ({@code RelayPort.run}), from a thread dump of this JVM written to {@code dump}.
     */
    private static long threadsInRelayPortRun(Path dump) throws IOException {
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .dumpThreads(dump.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
        try (var lines = Files.lines(dump)) {
            return lines.filter(line -> line.contains("io.chanmux.server.channel.RelayPort.run(")).count();
        }
    }

    /** The live poll-loop threads; platform threads, so they are all listed. */
    private static List<Thread> livePollThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().endsWith("-poll")).toList();
    }

    /** The names of the live poll-loop threads. */
    private static Set<String> pollThreads() {
        List<Thread> threads = livePollThreads();
        threads.forEach(t -> assertFalse(t.isVirtual(), t.getName()));
        return threads.stream().map(Thread::getName).collect(Collectors.toSet());
    }
}
