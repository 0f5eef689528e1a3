package io.chanmux.server.control;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The control port's writer threads, started on demand. A connection's own thread reads requests
 * and writes their replies; an event that reaches its {@link Outbox} while that thread is parked
 * in a read needs another thread to write it. Rather than park a second thread per connection for
 * that (a parked thread's stack is the largest part of an idle session), a writer thread is
 * started when the outbox goes from nobody writing to something queued, and ends when the outbox
 * is empty.
 *
 * <p>Only a scope's owner may fork into it, so the threads that ask for a writer (pool threads, the
 * listener) queue the connection here, and {@link #run}, the owner of the writers' scope, forks
 * each writer: their lifetimes stay inside the listener's. The queue needs no bound of its own:
 * a connection is in it at most once at a time (it holds the outbox's writer's role until its
 * writer has run), so it holds at most one entry per session, and sessions are bounded.
 *
 * <p>Threads: {@link #run} is the owner thread; {@link #start} and {@link #stop} are called from any thread.
 */
final class ControlWriters {
    /** Ends {@link #run}; never forked. */
    private static final Runnable STOP = () -> { };

    private final BlockingQueue<Runnable> waiting = new LinkedBlockingQueue<>();
    private final AtomicInteger running = new AtomicInteger();

    /** Has a writer thread write {@code connection}'s outbox; the caller gave it the writer's role. */
    void start(ControlConnection connection) {
        waiting.add(connection::writeQueued);
    }

    /** Ends {@link #run} once the writers asked for so far have been started and have ended. */
    void stop() {
        waiting.add(STOP);
    }

    /** Writer threads running now. */
    int running() {
        return running.get();
    }

    /** The owner thread: forks a writer for each connection queued, until {@link #stop}. */
    void run() {
        var threads = Thread.ofVirtual().name("control-writer-", 0).factory();
        try (var scope = StructuredTaskScope.open(Joiner.awaitAll(),
                cfg -> cfg.withName("control-writers").withThreadFactory(threads))) {
            try {
                for (Runnable writer; (writer = waiting.take()) != STOP; ) {
                    fork(scope, writer);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            scope.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void fork(StructuredTaskScope<Object, Void> scope, Runnable writer) {
        running.incrementAndGet();
        scope.fork(() -> {
            try {
                writer.run();
            } finally {
                running.decrementAndGet();
            }
        });
    }
}
