package io.chanmux.server.pool;

/**
 * What a pool knows of a control session: who it is, and where to push its events. Implemented by
 * the control session; pools call {@link #deliver} from their own threads, so it must not block.
 */
public interface SessionHandle {
    /** The session id reported by {@code hello}. */
    String id();

    /** Queues one event line for the session's writer; never blocks. */
    void deliver(byte[] eventLine);
}
