package io.chanmux.server;

import io.chanmux.server.channel.RelayCounter;

import java.io.IOException;
import java.util.function.ToLongFunction;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DATA from one peer to another in small bursts, each accounted for by the relay (forwarded, or
 * dropped as rate limited) before the next, so no socket buffer overflows on the way; the receiver
 * reads every forwarded copy as it goes.
 *
 * @param sender   the peer that sends {@code burst-N}
 * @param receiver the peer that reads the copies
 * @param counter  the relay's counters (in-process, or through {@code stats})
 * @param burst    datagrams per burst
 */
record RateLimitedTraffic(TestPeer sender, TestPeer receiver, ToLongFunction<RelayCounter> counter, int burst) {

    /** Sends {@code count} datagrams and returns once the relay has accounted for all of them. */
    void send(int count) throws IOException {
        long base = accounted();
        long read = counter.applyAsLong(RelayCounter.FORWARDED);
        for (int sent = 0; sent < count; ) {
            for (int i = 0; i < burst && sent < count; i++, sent++) {
                sender.send("burst-" + sent);
            }
            long expected = base + sent;
            await().until(() -> accounted() >= expected);
            for (long forwarded = counter.applyAsLong(RelayCounter.FORWARDED); read < forwarded; read++) {
                assertTrue(receiver.receivePayload().startsWith("burst-"));
            }
        }
    }

    private long accounted() {
        return counter.applyAsLong(RelayCounter.FORWARDED) + counter.applyAsLong(RelayCounter.DROP_RATE_LIMITED);
    }
}
