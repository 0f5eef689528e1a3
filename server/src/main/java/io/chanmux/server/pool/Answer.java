package io.chanmux.server.pool;

import io.chanmux.protocol.control.RequestException;

/**
 * Where the pool or the directory sends the outcome of one request, exactly once. The control
 * session implements it by queueing the typed reply for its writer, so a reply reaches the client
 * in order with the events the same pool thread sends. Never blocks.
 *
 * @param <T> the result of a successful request
 */
public interface Answer<T> {
    /** The request succeeded. */
    void ok(T result);

    /** The request was refused; the exception carries the error code and message. */
    void refuse(RequestException refusal);
}
