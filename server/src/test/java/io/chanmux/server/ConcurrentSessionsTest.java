package io.chanmux.server;

import io.chanmux.protocol.client.ChannelInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * 50 sessions at once: each creates a channel, joins the channel of its group (10 groups of 5),
 * binds, and sends; every datagram must reach each other member of the group exactly once.
 */
@Timeout(120)
class ConcurrentSessionsTest {
    private static final int SESSIONS = 50;
    private static final int GROUP = 5;
    private static final int DATAGRAMS_EACH = 40;

    @Test
    void shouldDeliverEveryDatagramExactlyOnceToEveryOtherPeerWhenSessionsRunConcurrently() throws Exception {
        try (TestRelay relay = TestRelay.start()) {
            List<TestClient> sessions = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                sessions.add(relay.client("s" + i));
            }
            String[] channels = new String[SESSIONS];
            int[] peerIds = new int[SESSIONS];
            CyclicBarrier created = new CyclicBarrier(SESSIONS);
            CyclicBarrier joined = new CyclicBarrier(SESSIONS);
            CyclicBarrier sent = new CyclicBarrier(SESSIONS);

            try (var scope = StructuredTaskScope.open(Joiner.<List<String>>allSuccessfulOrThrow())) {
                List<StructuredTaskScope.Subtask<List<String>>> results = new ArrayList<>();
                for (int i = 0; i < SESSIONS; i++) {
                    int me = i;
                    Callable<List<String>> session = () -> {
                        ChannelInfo mine = sessions.get(me).create();
                        channels[me] = mine.channel();
                        created.await();
                        TestPeer peer = sessions.get(me).join(channels[(me / GROUP) * GROUP]);
                        peerIds[me] = peer.id();
                        joined.await();
                        for (int seq = 0; seq < DATAGRAMS_EACH; seq++) {
                            peer.send(peer.id() + ":" + seq);
                        }
                        List<String> received = new ArrayList<>();
                        for (int n = 0; n < (GROUP - 1) * DATAGRAMS_EACH; n++) {
                            received.add(peer.receivePayload());
                        }
                        sent.await();
                        assertNull(peer.receive(Duration.ofMillis(1)), "more datagrams than expected");
                        return received;
                    };
                    results.add(scope.fork(session));
                }
                scope.join();

                for (int i = 0; i < SESSIONS; i++) {
                    Set<String> expected = new HashSet<>();
                    int group = i / GROUP;
                    for (int other = group * GROUP; other < (group + 1) * GROUP; other++) {
                        for (int seq = 0; other != i && seq < DATAGRAMS_EACH; seq++) {
                            expected.add(peerIds[other] + ":" + seq);
                        }
                    }
                    List<String> received = results.get(i).get();
                    assertEquals(expected.size(), received.size(), "session " + i + " count");
                    assertEquals(expected, new HashSet<>(received), "session " + i + " contents");
                }
            }
            assertEquals(SESSIONS, relay.server().directory().channels().size());
            relay.awaitCounter(io.chanmux.server.channel.RelayCounter.FORWARDED,
                    (long) SESSIONS * DATAGRAMS_EACH * (GROUP - 1));
        }
    }
}
