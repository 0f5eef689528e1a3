/**
 * The control plane: the accept loop and one session per TCP connection, each on its own virtual
 * thread. Sessions decode requests, forward channel changes to the owning pool as commands, and
 * write replies and pushed events through a bounded outbound queue. A session's bytes pass through a
 * {@link io.chanmux.server.control.ControlConnection}: plain TCP, or TLS from the {@code tls}
 * subpackage.
 */
package io.chanmux.server.control;
