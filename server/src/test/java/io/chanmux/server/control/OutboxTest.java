package io.chanmux.server.control;

import io.chanmux.protocol.control.ControlRequest;
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
    /** Longer than any test waits: these writers do give the role back. */
    private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final ServerEvent ESSENTIAL = new ServerEvent.ChannelDeleted("9f2c61d0a4b3e871", EventReason.DELETED);

    @Test
    void shouldDropChurnEventsOnceHalfFullButKeepEssentialOnes() throws Exception {
        Outbox outbox = new Outbox(4 * Outbound.TYPED_BYTES);
        assertEquals(Outbox.EventOutcome.QUEUED_NEEDS_WRITER, outbox.offerEvent(CHURN, false));
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
        assertEquals(Outbox.EventOutcome.QUEUED_NEEDS_WRITER, outbox.offerEvent(ESSENTIAL, true));
        for (long i = 1; i < fits; i++) {
            assertEquals(Outbox.EventOutcome.QUEUED, outbox.offerEvent(ESSENTIAL, true));
        }
        assertEquals(Outbox.EventOutcome.OVERFLOW, outbox.offerEvent(ESSENTIAL, true));
    }

    @Test
    void shouldMakeAReplyWaitForRoomAndReleaseItWhenTheWriterTakes() throws Exception {
        Outbox outbox = new Outbox(100);
        assertTrue(outbox.putReply(new Outbound.Line(new byte[80])));
        assertTrue(outbox.claimWriter(), "a writer thread is at work");
        CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> put(outbox, new byte[80]));

        await().during(200, TimeUnit.MILLISECONDS).atMost(2, TimeUnit.SECONDS).until(() -> !second.isDone());
        assertInstanceOf(Outbound.Line.class, outbox.poll());
        assertTrue(second.get(2, TimeUnit.SECONDS));
        assertEquals(80, outbox.queuedBytes());
    }

    @Test
    void shouldQueueAReplyAtOnceWhenNobodyWritesEvenIfFull() throws Exception {
        Outbox outbox = new Outbox(100);
        assertTrue(outbox.putReply(new Outbound.Line(new byte[80])));
        assertTrue(outbox.putReply(new Outbound.Line(new byte[80])), "the reader writes both next");
        assertEquals(160, outbox.queuedBytes());
    }

    @Test
    void shouldHandTheWriterRoleToTheFirstEventQueuedWhileNobodyWrites() {
        Outbox outbox = new Outbox(10_000);
        assertEquals(Outbox.EventOutcome.QUEUED_NEEDS_WRITER, outbox.offerEvent(CHURN, false));
        assertEquals(Outbox.EventOutcome.QUEUED, outbox.offerEvent(CHURN, false), "a writer is already at work");
        assertTrue(outbox.isWriting());
        assertFalse(outbox.claimWriter(), "one writer at a time");

        assertInstanceOf(Outbound.Event.class, outbox.poll());
        assertEquals(Outbox.EventOutcome.QUEUED, outbox.offerEvent(CHURN, false));
        assertInstanceOf(Outbound.Event.class, outbox.poll());
        assertInstanceOf(Outbound.Event.class, outbox.poll());
        assertNull(outbox.poll());
        assertTrue(outbox.releaseWriter());
        assertFalse(outbox.isWriting());
        assertEquals(Outbox.EventOutcome.QUEUED_NEEDS_WRITER, outbox.offerEvent(CHURN, false));
    }

    @Test
    void shouldKeepTheWriterRoleWhenSomethingWasQueuedBeforeItsRelease() {
        Outbox outbox = new Outbox(1_000);
        assertEquals(Outbox.EventOutcome.QUEUED_NEEDS_WRITER, outbox.offerEvent(CHURN, false));
        assertInstanceOf(Outbound.Event.class, outbox.poll());
        outbox.putPoolReply(new Outbound.PoolReply(new ControlRequest.Ping(null), null, null));

        assertFalse(outbox.releaseWriter(), "the pool reply would wait unwritten");
        assertTrue(outbox.isWriting());
        assertInstanceOf(Outbound.PoolReply.class, outbox.poll());
        assertTrue(outbox.releaseWriter());
    }

    @Test
    void shouldLetTheReaderClaimTheWriterRoleOnlyWhenSomethingIsQueuedAndNobodyWrites() throws Exception {
        Outbox outbox = new Outbox(1_000);
        assertFalse(outbox.claimWriter(), "nothing to write");
        outbox.putReply(new Outbound.Line(new byte[10]));
        assertTrue(outbox.claimWriter());
        assertEquals(Outbox.EventOutcome.QUEUED, outbox.offerEvent(CHURN, false), "the reader writes it too");
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
        assertTrue(outbox.claimWriter());
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> put(outbox, new byte[80]));

        outbox.close();

        assertFalse(waiting.get(2, TimeUnit.SECONDS));
        assertEquals(0, outbox.queuedBytes());
        assertNull(outbox.poll());
    }

    @Test
    void shouldLetTheWriterDrainWhatIsQueuedAfterFinish() throws Exception {
        Outbox outbox = new Outbox(1_000);
        outbox.putReply(new Outbound.Line(new byte[10]));
        assertTrue(outbox.finishAndClaimWriter(WAIT_NS));
        assertEquals(Outbox.EventOutcome.QUEUED, outbox.offerEvent(CHURN, false), "written by the last writer");

        assertInstanceOf(Outbound.Line.class, outbox.poll());
        assertInstanceOf(Outbound.Event.class, outbox.poll());
        assertNull(outbox.poll());
        assertTrue(outbox.releaseWriter(), "finished and empty: the writer ends");
    }

    @Test
    void shouldStartNoWriterAfterFinishAndWaitForTheOneAtWork() throws Exception {
        Outbox outbox = new Outbox(1_000);
        assertEquals(Outbox.EventOutcome.QUEUED_NEEDS_WRITER, outbox.offerEvent(CHURN, false));
        CompletableFuture<Boolean> last = CompletableFuture.supplyAsync(() -> finishAndClaim(outbox));

        await().during(200, TimeUnit.MILLISECONDS).atMost(2, TimeUnit.SECONDS).until(() -> !last.isDone());
        while (outbox.poll() != null) {
            // the writer at work writes what it finds
        }
        assertTrue(outbox.releaseWriter());
        assertTrue(last.get(2, TimeUnit.SECONDS), "the connection's thread takes over for the last lines");
        assertEquals(Outbox.EventOutcome.QUEUED, outbox.offerEvent(CHURN, false), "no writer thread after finish");
    }

    @Test
    void shouldNotHandTheLastLinesOverWhenClosed() throws Exception {
        Outbox outbox = new Outbox(1_000);
        outbox.close();
        assertFalse(outbox.finishAndClaimWriter(WAIT_NS));
    }

    @Test
    void shouldRememberTheMostBytesItHeldAtOnce() throws Exception {
        Outbox outbox = new Outbox(1_000);
        outbox.putReply(new Outbound.Line(new byte[300]));
        outbox.putReply(new Outbound.Line(new byte[200]));
        outbox.claimWriter();
        outbox.poll();
        outbox.putReply(new Outbound.Line(new byte[100]));

        assertEquals(300, outbox.queuedBytes());
        assertEquals(500, outbox.peakBytes());
    }

    private static boolean finishAndClaim(Outbox outbox) {
        try {
            return outbox.finishAndClaimWriter(WAIT_NS);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean put(Outbox outbox, byte[] line) {
        try {
            return outbox.putReply(new Outbound.Line(line));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldGiveUpWaitingForAWriterThatKeepsTheRoleLongerThanTheTimeout() throws Exception {
        Outbox outbox = new Outbox(1_000);
        assertEquals(Outbox.EventOutcome.QUEUED_NEEDS_WRITER, outbox.offerEvent(CHURN, false));

        assertFalse(outbox.finishAndClaimWriter(TimeUnit.MILLISECONDS.toNanos(50)), "the writer never gave the role back");
        assertTrue(outbox.isWriting());
    }
}
