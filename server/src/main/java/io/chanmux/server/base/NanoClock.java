package io.chanmux.server.base;

/**
 * The server's monotonic clock in nanoseconds. Injected so that owner logic (keepalive ticks) can
 * be tested with a manual clock and no threads.
 */
@FunctionalInterface
public interface NanoClock {
    /** {@link System#nanoTime()}. */
    NanoClock SYSTEM = System::nanoTime;

    /** The current time in nanoseconds; only differences are meaningful. */
    long nanoTime();
}
