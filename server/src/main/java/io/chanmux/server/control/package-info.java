/**
 * The control plane: the accept loop ({@link io.chanmux.server.control.ControlListener}) and, per
 * TCP connection, a {@link io.chanmux.server.control.ControlConnection} (its one thread, which
 * reads requests and writes their replies, deadlines and the byte-bounded {@link
 * io.chanmux.server.control.Outbox}) and a {@link io.chanmux.server.control.ControlSession}
 * (request handling, on that thread). Events for a session whose thread waits for a request are
 * written by a writer thread started for them ({@link io.chanmux.server.control.ControlWriters}). Requests that
 * change channels go to the directory ({@code create}) or the channel's pool as commands; answers
 * and events come back typed into the outbox and only the session encodes JSON. A connection's
 * bytes pass through a {@link io.chanmux.server.control.ControlTransport}: plain TCP, or TLS from
 * the {@code tls} subpackage, which the server wires in through a {@link
 * io.chanmux.server.control.TransportFactory}.
 */
package io.chanmux.server.control;
