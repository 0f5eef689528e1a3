package io.chanmux.server.control;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * writer has run), so until {@link #stop} it holds at most one entry per session, and sessions
 * are bounded; after {@link #stop}, connections still asking for a writer are left in it, never
 * started, and dropped with it.
 *
 * <p>A fork that fails (no memory for a thread) closes that one connection, which would otherwise
 * hold its writer's role with nobody writing; the owner goes on starting the others' writers.
 *
 * <p>Threads: {@link #run} is the owner thread; {@link #start} and {@link #stop} are called from any thread.
 */
final class ControlWriters {
    /** What the owner thread is asked to do. */
    private sealed interface Command {
        /** Fork a writer for {@code connection}. */
        record Write(ControlConnection connection) implements Command { }

        /** End {@link #run}. */
        record Stop() implements Command { }
    }

    private final BlockingQueue<Command> waiting = new LinkedBlockingQueue<>();
    private final AtomicInteger running = new AtomicInteger();
    /** For tests: makes the next fork fail, as one that finds no memory for a thread would. */
    private final AtomicBoolean failNextFork = new AtomicBoolean();

    /** Has a writer thread write {@code connection}'s outbox; the caller gave it the writer's role. */
    void start(ControlConnection connection) {
        waiting.add(new Command.Write(connection));
    }

    /** Ends {@link #run} once the writers asked for so far have been started and have ended. */
    void stop() {
        waiting.add(new Command.Stop());
    }

    /** Writer threads running now. */
    int running() {
        return running.get();
    }

    /** For tests: the next fork fails, so a test can see the other connections still served. */
    void failNextFork() {
        failNextFork.set(true);
    }

    /** The owner thread: forks a writer for each connection queued, until {@link #stop}. */
    void run() {
        var threads = Thread.ofVirtual().name("control-writer-", 0).factory();
        try (var scope = StructuredTaskScope.open(Joiner.awaitAll(),
                cfg -> cfg.withName("control-writers").withThreadFactory(threads))) {
            try {
                while (waiting.take() instanceof Command.Write(ControlConnection connection)) {
                    fork(scope, connection);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            scope.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void fork(StructuredTaskScope<Object, Void> scope, ControlConnection connection) {
        running.incrementAndGet();
        try {
            if (failNextFork.compareAndSet(true, false)) {
                throw new RejectedExecutionException("failing this fork on purpose (test)");
            }
            scope.fork(() -> {
                try {
                    connection.writeQueued();
                } finally {
                    running.decrementAndGet();
                }
            });
        } catch (Throwable e) {
            // Whatever went wrong (out of memory, the scope rejecting it), one connection pays, not all.
            running.decrementAndGet();
            connection.writerNotStarted(e);
        }
    }
}
