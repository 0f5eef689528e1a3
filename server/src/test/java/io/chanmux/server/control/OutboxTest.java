package io.chanmux.server.control;

import io.chanmux.protocol.control.EventReason;
import io.chanmux.protocol.control.ServerEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The outbox's one policy for slow readers, driven directly. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class OutboxTest {
    private static final ServerEvent CHURN = new ServerEvent.PeerJoined("9f2c61d0a4b3e871", 7);
    private static final ServerEvent ESSENTIAL = new ServerEvent.ChannelDeleted("9f2c61d0a4b3e871", EventReason.DELETED);

    @Test
    void shouldDropChurnEventsOnceHalfFullButKeepEssentialOnes() throws Exception {
        Outbox outbox = new Outbox(4 * Outbound.TYPED_BYTES);
        assertEquals(Outbox.EventOutcome.QUEUED, outbox.offerEvent(CHURN, false));
        assertEquals(Outbox.EventOutcome.QUEUED, outbox.offerEvent(CHURN, false));
        assertEquals(Outbox.EventOutcome.DROPPED, outbox.offerEvent(CHURN, false), "past half the budget");

        for (int i = 0; i < 2; i++) {
            assertEquals(Outbox.EventOutcome.QUEUED, outbox.offerEvent(ESSENTIAL, true));
        }
        assertEquals(Outbox.EventOutcome.QUEUED, outbox.offerEvent(ESSENTIAL, true), "essential events go past the budget");
        assertEquals(4 * Outbound.TYPED_BYTES + Outbound.TYPED_BYTES, outbox.queuedBytes());
    }

    @Test
    void shouldOverflowWhenEssentialEventsPassTheHeadroom() {
        Outbox outbox = new Outbox(Outbound.TYPED_BYTES);
        long fits = (Outbound.TYPED_BYTES + Outbox.ESSENTIAL_HEADROOM_BYTES) / Outbound.TYPED_BYTES;
        for (long i = 0; i < fits; i++) {
            assertEquals(Outbox.EventOutcome.QUEUED, outbox.offerEvent(ESSENTIAL, true));
        }
        assertEquals(Outbox.EventOutcome.OVERFLOW, outbox.offerEvent(ESSENTIAL, true));
    }

    @Test
    void shouldMakeAReplyWaitForRoomAndReleaseItWhenTheWriterTakes() throws Exception {
        Outbox outbox = new Outbox(100);
        assertTrue(outbox.putReply(new Outbound.Line(new byte[80])));
        CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> put(outbox, new byte[80]));

        await().during(200, TimeUnit.MILLISECONDS).atMost(2, TimeUnit.SECONDS).until(() -> !second.isDone());
        assertInstanceOf(Outbound.Line.class, outbox.take());
        assertTrue(second.get(2, TimeUnit.SECONDS));
        assertEquals(80, outbox.queuedBytes());
    }

    @Test
    void shouldLetAReplyLargerThanTheBudgetThroughAlone() throws Exception {
        Outbox outbox = new Outbox(100);
        assertTrue(outbox.putReply(new Outbound.Line(new byte[1_000])));
        assertEquals(1_000, outbox.queuedBytes());
    }

    @Test
    void shouldWakeAWaitingReplyAndDropEverythingWhenClosed() throws Exception {
        Outbox outbox = new Outbox(100);
        assertTrue(outbox.putReply(new Outbound.Line(new byte[80])));
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> put(outbox, new byte[80]));

        outbox.close();

        assertFalse(waiting.get(2, TimeUnit.SECONDS));
        assertEquals(0, outbox.queuedBytes());
        assertNull(outbox.take());
    }

    @Test
    void shouldLetTheWriterDrainWhatIsQueuedAfterFinish() throws Exception {
        Outbox outbox = new Outbox(1_000);
        outbox.putReply(new Outbound.Line(new byte[10]));
        outbox.offerEvent(CHURN, false);
        outbox.finish();

        assertInstanceOf(Outbound.Line.class, outbox.take());
        assertInstanceOf(Outbound.Event.class, outbox.take());
        assertNull(outbox.take(), "finished and empty: the writer ends");
    }

    @Test
    void shouldRememberTheMostBytesItHeldAtOnce() throws Exception {
        Outbox outbox = new Outbox(1_000);
        outbox.putReply(new Outbound.Line(new byte[300]));
        outbox.putReply(new Outbound.Line(new byte[200]));
        outbox.take();
        outbox.putReply(new Outbound.Line(new byte[100]));

        assertEquals(300, outbox.queuedBytes());
        assertEquals(500, outbox.peakBytes());
    }

    private static boolean put(Outbox outbox, byte[] line) {
        try {
            return outbox.putReply(new Outbound.Line(line));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
